// The canary-vs-stable error-pattern diff. Raw counts mean nothing at a 90/10 split, so every
// pattern is compared per 1,000 requests served by each engine (request counts from /metrics).
import type {EngineRole} from './engine.ts';
import type {Level, LogEvent} from './log-parse.ts';
import {exceptionSummary} from './log-parse.ts';
import {rateExcessP} from './proportions.ts';

/** FEW: seen on the canary only, but too few times to tell it from chance. OLD: not seen in the window. */
export type PatternFlag = 'NEW' | 'UP' | 'GONE' | 'SAME' | 'DOWN' | 'FEW' | 'OLD';

export interface PatternRow {
	id: string;
	template: string;
	level: Level;
	stableCount: number;
	canaryCount: number;
	/** Occurrences per 1,000 requests that engine served; null when it served none. */
	stablePer1k: number | null;
	canaryPer1k: number | null;
	/** canaryPer1k / stablePer1k; null when either is missing or stable is 0. */
	ratio: number | null;
	firstSeen: number;
	lastSeen: number;
	flag: PatternFlag;
	/** The factor behind UP, else null. */
	upFactor: number | null;
	/** Matches a critical pattern (traceback, out of memory, killed, segfault). */
	critical: boolean;
	/** What this row means for the verdict: FAIL (critical and worse on canary), WARN (NEW above the rate), or null. */
	verdict: 'FAIL' | 'WARN' | null;
	/** One raw event of this pattern (canary's when there is one), cut at EXAMPLE_MAX. */
	example: string;
	exampleEngine: EngineRole;
}

export interface RowsInput {
	/** Requests each engine served in the window (the counts are of the same window). */
	stableRequests: number;
	canaryRequests: number;
	now: number;
	/** Only events at or after this time count (ms since epoch); default: every event since the start. */
	windowStart?: number;
	/** A NEW pattern at or above this canary rate (per 1k requests) is WARN. Default 1. */
	newRateWarnPer1k?: number;
	/** canary rate / stable rate at or above this is UP. Default 2. */
	upFactor?: number;
	/** Fewest canary occurrences before NEW or UP is claimed: one event is not a trend. Default 3. */
	minEvents?: number;
	critical?: RegExp[];
}

export const DEFAULT_CRITICAL: readonly RegExp[] = [
	/Traceback \(most recent call last\)/,
	/out of memory|\bOOM\b|MemoryError|OutOfMemory/i,
	/\bkilled\b/i,
	/segfault|segmentation fault|SIGSEGV/i,
];

const EXAMPLE_MAX = 16 * 1024;
const SEVERITY: Record<Level, number> = {DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3, FATAL: 4};
const TRACKED = new Set<Level>(['WARN', 'ERROR', 'FATAL']);
// GONE needs a canary sample large enough that the pattern, at stable's rate, would have
// shown up about three times (P(zero) ~ 5 %); less than that is no evidence.
const GONE_EXPECTED = 3;
// NEW and UP are re-judged on every poll for as long as the console runs, so a line drawn at
// 1 % would flag a pattern both engines share now and then by chance alone. An exact test at
// p <= 0.001 with at least 3 canary events keeps a long watch quiet and still flags a
// canary-only message after 3 events at 90/10 and after 10 at 50/50.
export const FLAG_P = 0.001;
// Counts per pattern are kept in buckets of this many ms, so they age out with the window.
const BUCKET_MS = 5000;

interface Bucket {
	at: number;
	stable: number;
	canary: number;
}

interface Entry {
	id: string;
	template: string;
	level: Level;
	stable: number;
	canary: number;
	firstSeen: number;
	lastSeen: number;
	example: string;
	exampleEngine: EngineRole;
	/** The exception's own line, kept for critical matching when the example is cut. */
	summary: string;
	/** Seen before the console started watching: a known pattern, never NEW. */
	baseline: boolean;
	/** Counts since the console started, by time bucket, oldest first (the last keepMs). */
	buckets: Bucket[];
}

export class ErrorPatternTable {
	private readonly entries = new Map<string, Entry>(); // LRU by last seen, oldest first
	/** Patterns dropped to stay under maxPatterns. */
	evicted = 0;

	/**
	 * @param since events older than this (ms since epoch) are the baseline: logged before the
	 *   console watched, with no request counts to compare them to.
	 * @param keepMs how long counts are kept per pattern (the longest window asked for).
	 */
	constructor(
		private readonly maxPatterns = 500,
		readonly since = 0,
		private readonly keepMs = 10 * 60_000,
	) {}

	get size(): number {
		return this.entries.size;
	}

	/** Counts one WARN/ERROR/FATAL event under its template; other levels are ignored (false). */
	add(event: LogEvent, templateId: string, template: string): boolean {
		if (event.level === null || !TRACKED.has(event.level)) return false;
		let entry = this.entries.get(templateId);
		if (entry) {
			this.entries.delete(templateId);
		} else {
			if (this.entries.size >= this.maxPatterns) this.evictOldest();
			entry = {id: templateId, template, level: event.level, stable: 0, canary: 0, firstSeen: event.time, lastSeen: event.time, example: '', exampleEngine: event.engine, summary: '', baseline: false, buckets: []};
		}
		this.entries.set(templateId, entry);
		// Templates generalise as they learn: keep the latest form.
		entry.template = template;
		if (SEVERITY[event.level] > SEVERITY[entry.level]) entry.level = event.level;
		if (event.engine === 'canary') entry.canary++;
		else entry.stable++;
		if (event.time < this.since) entry.baseline = true;
		else this.count(entry, event);
		entry.firstSeen = Math.min(entry.firstSeen, event.time);
		entry.lastSeen = Math.max(entry.lastSeen, event.time);
		if (entry.example === '' || (event.engine === 'canary' && entry.exampleEngine !== 'canary')) {
			entry.example = event.raw.length > EXAMPLE_MAX ? event.raw.slice(0, EXAMPLE_MAX) : event.raw;
			entry.exampleEngine = event.engine;
			entry.summary = event.exception ? exceptionSummary(event.exception) : '';
		}
		return true;
	}

	clear(): void {
		this.entries.clear();
	}

	private count(entry: Entry, event: LogEvent): void {
		const at = Math.floor(event.time / BUCKET_MS) * BUCKET_MS;
		let bucket = entry.buckets.at(-1);
		if (!bucket || bucket.at < at) {
			bucket = {at, stable: 0, canary: 0};
			entry.buckets.push(bucket);
		} else if (bucket.at > at) {
			// A late line (another engine's clock, a reattach): into its own bucket, order kept.
			bucket = entry.buckets.find((b) => b.at === at) ?? insertBucket(entry.buckets, at);
		}
		if (event.engine === 'canary') bucket.canary++;
		else bucket.stable++;
		while (entry.buckets.length > 1 && entry.buckets[0]!.at < at - this.keepMs) entry.buckets.shift();
	}

	/** Counts of one pattern in the window: since the start when no window is given. */
	private counted(e: Entry, windowStart: number | undefined): {stable: number; canary: number} {
		if (windowStart === undefined) return e.baseline ? sumBuckets(e.buckets, -Infinity) : {stable: e.stable, canary: e.canary};
		return sumBuckets(e.buckets, windowStart);
	}

	rows(input: RowsInput): PatternRow[] {
		const upAt = input.upFactor ?? 2;
		const warnAt = input.newRateWarnPer1k ?? 1;
		const minEvents = input.minEvents ?? 3;
		const critical = input.critical ?? DEFAULT_CRITICAL;
		const rows: PatternRow[] = [];
		for (const e of this.entries.values()) {
			const n = this.counted(e, input.windowStart);
			const stablePer1k = input.stableRequests > 0 ? (n.stable * 1000) / input.stableRequests : null;
			const canaryPer1k = input.canaryRequests > 0 ? (n.canary * 1000) / input.canaryRequests : null;
			const ratio = stablePer1k !== null && canaryPer1k !== null && stablePer1k > 0 ? canaryPer1k / stablePer1k : null;
			// NEW and UP must beat chance: at 50/50 a pattern both engines share often shows up
			// on the canary first, and a few events say nothing about the rates. Without request
			// counts on both sides there is nothing to test against: no claim yet.
			const p = rateExcessP(n.canary, n.stable, input.canaryRequests, input.stableRequests);
			// (a hair of slack: 0.1^3 in floating point is 0.0010000000000000002)
			const significant = p !== null && p <= FLAG_P * (1 + 1e-9) && n.canary >= minEvents;
			let flag: PatternFlag = 'SAME';
			if (n.canary === 0 && n.stable === 0) flag = 'OLD';
			else if (n.canary > 0 && n.stable === 0) flag = e.baseline ? (significant ? 'UP' : 'SAME') : significant ? 'NEW' : 'FEW';
			else if (n.stable > 0 && n.canary === 0) {
				const expected = stablePer1k !== null ? (stablePer1k * input.canaryRequests) / 1000 : 0;
				if (expected >= GONE_EXPECTED) flag = 'GONE';
			} else if (ratio !== null) {
				if (ratio >= upAt && significant) flag = 'UP';
				else if (ratio <= 1 / upAt) flag = 'DOWN';
			}
			const isCritical = critical.some((re) => test(re, e.template) || test(re, e.example) || test(re, e.summary));
			let verdict: PatternRow['verdict'] = null;
			if (isCritical && n.canary > 0 && (flag === 'NEW' || flag === 'UP')) verdict = 'FAIL';
			else if (flag === 'NEW' && canaryPer1k !== null && canaryPer1k >= warnAt) verdict = 'WARN';
			rows.push({
				id: e.id,
				template: e.template,
				level: e.level,
				stableCount: n.stable,
				canaryCount: n.canary,
				stablePer1k,
				canaryPer1k,
				ratio,
				firstSeen: e.firstSeen,
				lastSeen: e.lastSeen,
				flag,
				upFactor: flag === 'UP' ? ratio : null,
				critical: isCritical,
				verdict,
				example: e.example,
				exampleEngine: e.exampleEngine,
			});
		}
		return rows.sort(bySuspicion);
	}

	private evictOldest(): void {
		const oldest = this.entries.keys().next().value;
		if (oldest === undefined) return;
		this.entries.delete(oldest);
		this.evicted++;
	}
}

// A global or sticky regex keeps lastIndex between calls: reset it so every test starts at 0.
function test(re: RegExp, text: string): boolean {
	re.lastIndex = 0;
	return text !== '' && re.test(text);
}

const FLAG_RANK: Record<PatternFlag, number> = {NEW: 0, UP: 1, FEW: 2, SAME: 3, GONE: 4, DOWN: 5, OLD: 6};

function sumBuckets(buckets: readonly Bucket[], from: number): {stable: number; canary: number} {
	let stable = 0;
	let canary = 0;
	for (const b of buckets) {
		if (b.at + BUCKET_MS <= from) continue;
		stable += b.stable;
		canary += b.canary;
	}
	return {stable, canary};
}

function insertBucket(buckets: Bucket[], at: number): Bucket {
	const bucket = {at, stable: 0, canary: 0};
	const index = buckets.findIndex((b) => b.at > at);
	buckets.splice(index < 0 ? buckets.length : index, 0, bucket);
	return bucket;
}

function bySuspicion(a: PatternRow, b: PatternRow): number {
	const ca = a.critical && a.canaryCount > 0 ? 0 : 1;
	const cb = b.critical && b.canaryCount > 0 ? 0 : 1;
	if (ca !== cb) return ca - cb;
	if (FLAG_RANK[a.flag] !== FLAG_RANK[b.flag]) return FLAG_RANK[a.flag] - FLAG_RANK[b.flag];
	if (a.flag === 'UP' && b.upFactor !== a.upFactor) return (b.upFactor ?? 0) - (a.upFactor ?? 0);
	const rate = (b.canaryPer1k ?? b.canaryCount) - (a.canaryPer1k ?? a.canaryCount);
	if (rate !== 0) return rate;
	if (b.stableCount !== a.stableCount) return b.stableCount - a.stableCount;
	return b.lastSeen - a.lastSeen;
}

/** What the verdict needs: NEW canary patterns above the rate (WARN) and critical ones (FAIL). */
export function verdictPatterns(rows: PatternRow[]): {newPatterns: {template: string; canaryPer1k: number}[]; critical: {template: string}[]} {
	return {
		newPatterns: rows.filter((r) => r.verdict === 'WARN').map((r) => ({template: r.template, canaryPer1k: r.canaryPer1k ?? 0})),
		critical: rows.filter((r) => r.verdict === 'FAIL').map((r) => ({template: r.template})),
	};
}
