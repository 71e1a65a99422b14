import type {StoredEvent} from '../core/monitor/log-store.ts';
import type {LogLines, LogView} from '../core/monitor/log-view.ts';
import type {LogViewState} from '../state/view-state.ts';
import {compileFilter, compileSearch, mergeByTime, type LevelKey, type LogFilter} from '../domain/log-filter.ts';
import {LEVELS, type Level} from '../domain/log-parse.ts';

// The events a log view shows, recomputed only when the store or the filter changed.

export interface LogModel {
	events: StoredEvent[];
	error: string | null;
	regex: RegExp | null;
}

function levelsFrom(minLevel: Level | null): ReadonlySet<LevelKey> | null {
	if (minLevel === null) return null;
	return new Set(LEVELS.slice(LEVELS.indexOf(minLevel)));
}

export function toFilter(state: LogViewState): LogFilter {
	return {
		levels: levelsFrom(state.minLevel),
		engines: state.engines === 'both' ? null : new Set([state.engines]),
		regex: state.regex,
		invert: state.invert,
	};
}

/**
 * Said when lines aged out of the bounded history: they were received and shown, just no longer
 * kept. Lines the console failed to read are the error the log titles count as "dropped".
 */
export function historyNote(store: LogView): string {
	const notKept = store.notKept('stable') + store.notKept('canary');
	if (notKept === 0) return '';
	return `  older lines not kept (history ${(store.history * 2).toLocaleString('en-US')} lines)`;
}

/** The newest `limit` events of both engines (the overview's tail: cheap, no filter). */
export function tail(store: LogView, limit: number): StoredEvent[] {
	const take = (ring: LogLines) => ring.slice(Math.max(0, ring.length - limit));
	return mergeByTime(take(store.rings.stable), take(store.rings.canary)).slice(-limit);
}

export function createLogModel() {
	let key = '';
	let cached: LogModel = {events: [], error: null, regex: null};
	// The same RegExp object while the search is the same: rows that get it as a prop stay memoized.
	let search: {source: string | null; result: ReturnType<typeof compileSearch>} | null = null;
	return (store: LogView, version: number, state: LogViewState): LogModel => {
		const nextKey = JSON.stringify([version, state.regex, state.invert, state.minLevel, state.engines, state.pattern]);
		if (nextKey === key) return cached;
		key = nextKey;
		const merged = mergeByTime(store.rings.stable.toArray(), store.rings.canary.toArray());
		const filter = compileFilter(toFilter(state));
		const byPattern = state.pattern ? (event: StoredEvent) => event.templateId === state.pattern : () => true;
		if (search === null || search.source !== state.regex) search = {source: state.regex, result: compileSearch(state.regex)};
		const found = search.result;
		cached = {
			events: merged.filter((event) => byPattern(event) && (event.gap !== undefined || filter.predicate(event))),
			error: filter.error,
			regex: found.ok ? found.regex : null,
		};
		return cached;
	};
}
