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

const RANK = {stable: 0, canary: 1} as const;

/** The logs view's order: time, then stable before canary, then arrival. */
export function byTime(a: StoredEvent, b: StoredEvent): number {
	return a.time - b.time || RANK[a.engine] - RANK[b.engine] || a.seq - b.seq;
}

/** Every kept event of both engines that `keep` accepts, in the view's order (the full rebuild). */
export function mergedView(store: LogView, keep: (event: StoredEvent) => boolean): StoredEvent[] {
	// Each ring is in arrival order, nearly in time order: the sort finds two runs and merges them.
	return [...store.rings.stable.toArray().filter(keep), ...store.rings.canary.toArray().filter(keep)].sort(byTime);
}

/**
 * The view kept up to date as lines arrive: new lines are merged into its tail (the few that
 * Docker stamped earlier than lines already shown are put in place by binary search) and lines
 * that aged out of the history are taken out near its head. It is rebuilt in full only when
 * the filter (or the store) changes. Same events, same order as `mergedView`, at a cost
 * proportional to the lines that came and went instead of to the whole history.
 */
class IncrementalView {
	readonly events: StoredEvent[];
	/** Per engine: the newest arrival number looked at, and the arrival numbers in the view, oldest first. */
	private readonly newest = {stable: 0, canary: 0};
	private readonly kept: Record<'stable' | 'canary', {seqs: number[]; head: number}> = {stable: {seqs: [], head: 0}, canary: {seqs: [], head: 0}};

	constructor(
		readonly store: LogView,
		private readonly keep: (event: StoredEvent) => boolean,
	) {
		this.events = mergedView(store, keep);
		for (const event of this.events) this.kept[event.engine].seqs.push(event.seq);
		for (const engine of ['stable', 'canary'] as const) {
			this.kept[engine].seqs.sort((a, b) => a - b);
			this.newest[engine] = store.rings[engine].at(-1)?.seq ?? 0;
		}
	}

	update(): void {
		const oldest = {stable: Number.POSITIVE_INFINITY, canary: Number.POSITIVE_INFINITY};
		let gone = 0;
		const fresh: StoredEvent[] = [];
		for (const engine of ['stable', 'canary'] as const) {
			const ring = this.store.rings[engine];
			oldest[engine] = ring.at(0)?.seq ?? Number.POSITIVE_INFINITY;
			const kept = this.kept[engine];
			const before = kept.head;
			while (kept.head < kept.seqs.length && kept.seqs[kept.head]! < oldest[engine]) kept.head++;
			gone += kept.head - before;
			if (kept.head > 1024 && kept.head * 2 > kept.seqs.length) {
				kept.seqs = kept.seqs.slice(kept.head);
				kept.head = 0;
			}
			// Lines newer than the last update, found from the ring's newest end.
			let from = ring.length;
			while (from > 0 && ring.at(from - 1)!.seq > this.newest[engine]) from--;
			for (const event of from < ring.length ? ring.slice(from) : []) {
				if (!this.keep(event)) continue;
				fresh.push(event);
				kept.seqs.push(event.seq);
			}
			this.newest[engine] = ring.at(-1)?.seq ?? this.newest[engine];
		}
		if (gone > 0) this.remove(gone, oldest);
		fresh.sort(byTime);
		for (const event of fresh) this.insert(event);
	}

	/** Takes out the `count` events older than their engine's oldest kept line (near the head). */
	private remove(count: number, oldest: Record<'stable' | 'canary', number>): void {
		const events = this.events;
		let removed = 0;
		let write = 0;
		let read = 0;
		while (removed < count && read < events.length) {
			const event = events[read++]!;
			if (event.seq < oldest[event.engine]) removed++;
			else events[write++] = event;
		}
		if (read > write) events.splice(write, read - write);
	}

	private insert(event: StoredEvent): void {
		const events = this.events;
		const last = events[events.length - 1];
		if (last === undefined || byTime(last, event) <= 0) {
			events.push(event);
			return;
		}
		let low = 0;
		let high = events.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (byTime(events[middle]!, event) <= 0) low = middle + 1;
			else high = middle;
		}
		events.splice(low, 0, event);
	}
}

/**
 * The logs view's events for a store and a filter. The returned `events` array is the model's
 * own and changes in place as lines arrive: read it while rendering, do not keep it.
 */
export function createLogModel() {
	let seen = -1;
	let filterKey = '';
	let view: IncrementalView | null = null;
	let cached: LogModel = {events: [], error: null, regex: null};
	// The same RegExp object while the search is the same: rows that get it as a prop stay memoized.
	let search: {source: string | null; result: ReturnType<typeof compileSearch>} | null = null;
	return (store: LogView, version: number, state: LogViewState): LogModel => {
		const nextFilterKey = JSON.stringify([state.regex, state.invert, state.minLevel, state.engines, state.pattern]);
		if (view !== null && view.store === store && nextFilterKey === filterKey) {
			if (version !== seen) view.update();
			seen = version;
			return cached;
		}
		seen = version;
		filterKey = nextFilterKey;
		const filter = compileFilter(toFilter(state));
		if (search === null || search.source !== state.regex) search = {source: state.regex, result: compileSearch(state.regex)};
		const found = search.result;
		const pattern = state.pattern;
		view = new IncrementalView(store, (event) => (pattern ? event.templateId === pattern : true) && (event.gap !== undefined || filter.predicate(event)));
		cached = {events: view.events, error: filter.error, regex: found.ok ? found.regex : null};
		return cached;
	};
}
