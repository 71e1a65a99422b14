// Filtering and search over events for the log view. A pattern typed by the user must never
// throw or hang the screen: compile errors become messages, and matching is bounded.
import type {EngineRole} from './engine.ts';
import type {Level, LogEvent} from './log-parse.ts';
import {formatEvent} from './log-parse.ts';

/** 'NONE' selects events without a level (plain lines with no level word). */
export type LevelKey = Level | 'NONE';

export interface LogFilter {
	/** null = every level. */
	levels: ReadonlySet<LevelKey> | null;
	/** null = both engines. */
	engines: ReadonlySet<EngineRole> | null;
	regex: string | null;
	/** Show the events that do NOT match the regex. */
	invert: boolean;
}

export const NO_FILTER: LogFilter = {levels: null, engines: null, regex: null, invert: false};

/** Only this much of a text is tested: bounds the cost of a slow pattern on a huge line. */
export const MAX_TESTED = 4096;
const MAX_RANGES = 200;

export type CompiledSearch = {ok: true; regex: RegExp | null} | {ok: false; error: string};

// Nested quantifiers such as (a+)+ or (\w*)* backtrack exponentially even on short lines.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;

/** Compiles a user pattern (case-insensitive unless asked); never throws. Empty -> no regex. */
export function compileSearch(pattern: string | null, options: {caseSensitive?: boolean} = {}): CompiledSearch {
	if (pattern === null || pattern === '') return {ok: true, regex: null};
	if (NESTED_QUANTIFIER.test(pattern)) return {ok: false, error: 'nested repetition like (a+)+ can take forever: simplify the pattern'};
	if (/\\[1-9]/.test(pattern)) return {ok: false, error: 'back-references are not supported in search'};
	try {
		return {ok: true, regex: new RegExp(pattern, options.caseSensitive ? '' : 'i')};
	} catch (error) {
		return {ok: false, error: `invalid pattern: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`};
	}
}

/** The text a search runs over: what the view shows (level, message, fields, exception line). */
export function searchText(event: LogEvent): string {
	return formatEvent(event, {timestamps: false});
}

export function testBounded(regex: RegExp, text: string): boolean {
	regex.lastIndex = 0;
	return regex.test(text.length > MAX_TESTED ? text.slice(0, MAX_TESTED) : text);
}

export interface CompiledFilter {
	predicate: (event: LogEvent) => boolean;
	/** Why the regex part is not applied, or null. */
	error: string | null;
}

/** Builds the predicate once per filter change; an invalid regex is reported and ignored. */
export function compileFilter(filter: LogFilter, text: (event: LogEvent) => string = searchText): CompiledFilter {
	const search = compileSearch(filter.regex);
	const regex = search.ok ? search.regex : null;
	const {levels, engines, invert} = filter;
	return {
		error: search.ok ? null : search.error,
		predicate: (event) => {
			if (levels && !levels.has(event.level ?? 'NONE')) return false;
			if (engines && !engines.has(event.engine)) return false;
			if (!regex) return true;
			return testBounded(regex, text(event)) !== invert;
		},
	};
}

export function applyFilter(events: readonly LogEvent[], filter: LogFilter, text?: (event: LogEvent) => string): {events: LogEvent[]; error: string | null} {
	const {predicate, error} = compileFilter(filter, text);
	return {events: events.filter(predicate), error};
}

/** [start, end) ranges of the matches, for highlighting; empty matches are skipped. */
export function matchRanges(text: string, regex: RegExp | null): Array<[number, number]> {
	if (!regex) return [];
	const flags = regex.flags.includes('g') ? regex.flags : regex.flags + 'g';
	const global = new RegExp(regex.source, flags);
	const tested = text.length > MAX_TESTED ? text.slice(0, MAX_TESTED) : text;
	const ranges: Array<[number, number]> = [];
	let match: RegExpExecArray | null;
	while (ranges.length < MAX_RANGES && (match = global.exec(tested)) !== null) {
		if (match[0].length === 0) {
			global.lastIndex++;
			continue;
		}
		ranges.push([match.index, match.index + match[0].length]);
	}
	return ranges;
}

/** The next index after (direction 1) or before (-1) `from` that satisfies the predicate, or -1. */
export function nextIndex<T>(items: readonly T[], from: number, predicate: (item: T) => boolean, direction: 1 | -1, wrap = false): number {
	const n = items.length;
	if (n === 0) return -1;
	for (let step = 1; step <= n; step++) {
		let i = from + direction * step;
		if (i < 0 || i >= n) {
			if (!wrap) return -1;
			i = ((i % n) + n) % n;
		}
		if (predicate(items[i])) return i;
	}
	return -1;
}

export const isErrorEvent = (event: LogEvent): boolean => event.level === 'ERROR' || event.level === 'FATAL';

/** Interleaves two time-ordered lists; on equal times (and out-of-order input) order is kept stable, a first. */
export function mergeByTime<T extends {time: number}>(a: readonly T[], b: readonly T[]): T[] {
	const out: T[] = new Array(a.length + b.length);
	let i = 0;
	let j = 0;
	let k = 0;
	while (i < a.length && j < b.length) out[k++] = b[j].time < a[i].time ? b[j++] : a[i++];
	while (i < a.length) out[k++] = a[i++];
	while (j < b.length) out[k++] = b[j++];
	return out;
}
