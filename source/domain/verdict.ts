// The verdict: canary against fixed limits and against stable over the same window, each
// check saying its value, threshold, window and sample size. Like Kayenta it refuses to judge
// on too little data; like Flagger it counts consecutive failed windows against a budget.

import type {CheckRow, CheckState, HealthReading, Overall, Verdict, WindowFigures} from './figures.ts';
import {cleanText} from './health.ts';
import {twoProportionZ, Z99} from './proportions.ts';

export interface Thresholds {
	/** Absolute canary p95 (the guide: target < 200 ms, alert > 300 ms). */
	p95WarnMs: number;
	p95FailMs: number;
	/** Canary p95 worse than stable by more than both of these: WARN (the guide's rule). */
	p95RelativeWarnPct: number;
	p95RelativeWarnMs: number;
	/** ...and by more than both of these: FAIL (a clear regression still under the absolute limit). */
	p95RelativeFailPct: number;
	p95RelativeFailMs: number;
	/** Canary 5xx share in percent (the guide: < 0.1 %, alert > 0.5 %). */
	ratio5xxWarnPct: number;
	ratio5xxFailPct: number;
	/** Two-proportion z of canary against stable 5xx shares. */
	zWarn: number;
	zFail: number;
	/** Requests each side needs before the two-proportion test says anything. */
	minRequestsRelative: number;
	/** Canary requests in the window before latency, 5xx or cache are judged at all. */
	minRequests: number;
	memoryWarnPct: number;
	memoryFailPct: number;
	/** Canary cache hit rate this many points below stable: WARN. */
	cacheDropWarnPts: number;
	/** A log pattern new in the canary at more than this per 1000 requests: WARN. */
	newPatternWarnPer1k: number;
	/** Consecutive failed windows of one check before the verdict says ROLL BACK. */
	failureBudget: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = {
	p95WarnMs: 200,
	p95FailMs: 300,
	p95RelativeWarnPct: 20,
	p95RelativeWarnMs: 25,
	p95RelativeFailPct: 50,
	p95RelativeFailMs: 100,
	ratio5xxWarnPct: 0.1,
	ratio5xxFailPct: 0.5,
	zWarn: 1.96,
	zFail: Z99,
	minRequestsRelative: 100,
	minRequests: 50,
	memoryWarnPct: 70,
	memoryFailPct: 80,
	cacheDropWarnPts: 5,
	newPatternWarnPer1k: 1,
	failureBudget: 3,
};

export type CheckId = CheckRow['id'];

export interface EngineInput {
	window: WindowFigures | null;
	health: HealthReading | null;
	memory: {used: number; limit: number} | null;
}

export interface ErrorPatternInput {
	newPatterns: Array<{template: string; canaryPer1k: number}>;
	critical: Array<{template: string}>;
}

export interface VerdictInput {
	stable: EngineInput;
	canary: EngineInput;
	errorPatterns: ErrorPatternInput | null;
	thresholds: Thresholds;
	now: number;
}

/** Consecutive failed windows per check; start from EMPTY_BUDGET, feed each result back in. */
export interface BudgetState {
	failed: Partial<Record<CheckId, number>>;
}

export const EMPTY_BUDGET: BudgetState = {failed: {}};

/** The checks whose NO DATA makes the whole verdict INCONCLUSIVE. */
const KEY_CHECKS: readonly CheckId[] = ['p95', '5xx', 'health'];

type Row = Omit<CheckRow, 'budget'>;

export const fmtMs = (ms: number): string => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));
export const fmtPct = (pct: number): string => (pct < 1 ? pct.toFixed(2) : pct.toFixed(1));
const fmtMiB = (bytes: number): string => `${Math.round(bytes / 1048576)} MiB`;
const ms = (w: WindowFigures | null) => (w?.p95 ? w.p95.seconds * 1000 : null);
const p95Text = (w: WindowFigures) => `${w.p95?.atLeast ? '>= ' : ''}${fmtMs(ms(w) ?? 0)} ms`;

function band(value: number, warn: number, fail: number): CheckState {
	return value > fail ? 'FAIL' : value > warn ? 'WARN' : 'PASS';
}

function checkP95(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: c} = input.canary;
	const row: Row = {id: 'p95', label: 'p95 latency', stable: ms(input.stable.window), canary: ms(c), unit: 'ms', threshold: `warn > ${t.p95WarnMs} ms, fail > ${t.p95FailMs} ms`, windowSec, n: c?.latencyCount ?? null, state: 'NO DATA', reason: ''};
	if (!c) return {...row, reason: 'no /metrics window for canary yet'};
	if (c.latencyCount < t.minRequests || !c.p95) return {...row, canary: null, reason: `canary N=${c.latencyCount} in ${windowSec} s, need ${t.minRequests} to judge p95`};
	const value = ms(c)!;
	row.state = band(value, t.p95WarnMs, t.p95FailMs);
	const limit = row.state === 'FAIL' ? `> ${t.p95FailMs} ms` : row.state === 'WARN' ? `> ${t.p95WarnMs} ms (warn)` : `<= ${t.p95WarnMs} ms`;
	return {...row, reason: `canary p95 ${p95Text(c)} ${limit} over ${windowSec} s (N=${c.latencyCount})`};
}

function checkP95Relative(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: s} = input.stable;
	const {window: c} = input.canary;
	const row: Row = {id: 'p95-relative', label: 'p95 vs stable', stable: ms(s), canary: ms(c), unit: 'ms', threshold: `warn > +${t.p95RelativeWarnPct} % and +${t.p95RelativeWarnMs} ms, fail > +${t.p95RelativeFailPct} % and +${t.p95RelativeFailMs} ms`, windowSec, n: c?.latencyCount ?? null, state: 'NO DATA', reason: ''};
	if (!s || !c || s.latencyCount < t.minRequests || c.latencyCount < t.minRequests || !s.p95 || !c.p95) {
		return {...row, reason: `stable N=${s?.latencyCount ?? 0}, canary N=${c?.latencyCount ?? 0} in ${windowSec} s, need ${t.minRequests} each to compare`};
	}
	const diff = ms(c)! - ms(s)!;
	const pct = ms(s)! > 0 ? (diff / ms(s)!) * 100 : diff > 0 ? Number.POSITIVE_INFINITY : 0;
	row.state = diff > t.p95RelativeFailMs && pct > t.p95RelativeFailPct ? 'FAIL' : diff > t.p95RelativeWarnMs && pct > t.p95RelativeWarnPct ? 'WARN' : 'PASS';
	const sign = diff >= 0 ? '+' : '-';
	const rel = Number.isFinite(pct) ? ` (${sign}${Math.abs(Math.round(pct))} %)` : '';
	const limit = row.state === 'FAIL' ? ` > +${t.p95RelativeFailPct} % and +${t.p95RelativeFailMs} ms` : row.state === 'WARN' ? ` > +${t.p95RelativeWarnPct} % and +${t.p95RelativeWarnMs} ms` : '';
	return {...row, reason: `canary p95 ${p95Text(c)} vs stable ${p95Text(s)}: ${sign}${fmtMs(Math.abs(diff))} ms${rel}${limit} over ${windowSec} s (N=${c.latencyCount})`};
}

function check5xx(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: c} = input.canary;
	const pct = (w: WindowFigures | null) => (w && w.ratio5xx !== null ? w.ratio5xx * 100 : null);
	const row: Row = {id: '5xx', label: '5xx rate', stable: pct(input.stable.window), canary: pct(c), unit: '%', threshold: `warn > ${t.ratio5xxWarnPct} %, fail > ${t.ratio5xxFailPct} %`, windowSec, n: c?.requests ?? null, state: 'NO DATA', reason: ''};
	if (!c) return {...row, reason: 'no /metrics window for canary yet'};
	if (c.requests < t.minRequests) return {...row, canary: null, reason: `canary N=${c.requests} in ${windowSec} s, need ${t.minRequests} to judge 5xx`};
	const value = pct(c)!;
	row.state = band(value, t.ratio5xxWarnPct, t.ratio5xxFailPct);
	const limit = row.state === 'FAIL' ? `> ${t.ratio5xxFailPct} %` : row.state === 'WARN' ? `> ${t.ratio5xxWarnPct} % (warn)` : `<= ${t.ratio5xxWarnPct} %`;
	return {...row, reason: `canary 5xx ${fmtPct(value)} % (${c.errors5xx} of ${c.requests}) ${limit} over ${windowSec} s (N=${c.requests})`};
}

function check5xxRelative(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: s} = input.stable;
	const {window: c} = input.canary;
	const pct = (w: WindowFigures | null) => (w && w.ratio5xx !== null ? w.ratio5xx * 100 : null);
	const row: Row = {id: '5xx-relative', label: '5xx vs stable', stable: pct(s), canary: pct(c), unit: '%', threshold: `warn z > ${t.zWarn.toFixed(2)}, fail z > ${t.zFail.toFixed(2)}; N >= ${t.minRequestsRelative} each`, windowSec, n: c?.requests ?? null, state: 'NO DATA', reason: ''};
	if (!s || !c || s.requests < t.minRequestsRelative || c.requests < t.minRequestsRelative) {
		return {...row, reason: `stable N=${s?.requests ?? 0}, canary N=${c?.requests ?? 0} in ${windowSec} s, need ${t.minRequestsRelative} each to compare`};
	}
	const z = twoProportionZ(c.errors5xx, c.requests, s.errors5xx, s.requests);
	const shares = `canary 5xx ${fmtPct(pct(c)!)} % vs stable ${fmtPct(pct(s)!)} %`;
	if (z === null) return {...row, state: 'PASS', reason: `${shares}: no difference to test over ${windowSec} s (N=${c.requests})`};
	row.state = z > t.zFail ? 'FAIL' : z > t.zWarn ? 'WARN' : 'PASS';
	const limit = row.state === 'FAIL' ? ` > ${t.zFail.toFixed(2)}` : row.state === 'WARN' ? ` > ${t.zWarn.toFixed(2)} (warn)` : '';
	return {...row, reason: `${shares}: z = ${z.toFixed(2)}${limit} over ${windowSec} s (N=${c.requests})`};
}

function checkMemory(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const pct = (m: EngineInput['memory']) => (m && m.limit > 0 && Number.isFinite(m.used) ? (m.used / m.limit) * 100 : null);
	const value = pct(input.canary.memory);
	const row: Row = {id: 'memory', label: 'memory', stable: pct(input.stable.memory), canary: value, unit: '%', threshold: `warn > ${t.memoryWarnPct} %, fail > ${t.memoryFailPct} % of limit`, windowSec, n: null, state: 'NO DATA', reason: 'no memory reading for canary'};
	if (value === null) return row;
	row.state = band(value, t.memoryWarnPct, t.memoryFailPct);
	const limit = row.state === 'FAIL' ? `> ${t.memoryFailPct} %` : row.state === 'WARN' ? `> ${t.memoryWarnPct} % (warn)` : `<= ${t.memoryWarnPct} %`;
	return {...row, reason: `canary memory ${Math.round(value)} % of ${fmtMiB(input.canary.memory!.limit)} ${limit}`};
}

function checkHealth(input: VerdictInput, windowSec: number): Row {
	const h = input.canary.health;
	const row: Row = {id: 'health', label: 'health', stable: input.stable.health?.httpCode ?? null, canary: h?.httpCode ?? null, unit: '', threshold: 'fail if unhealthy, warn if degraded', windowSec, n: h ? 1 : null, state: 'NO DATA', reason: 'no /healthz reading for canary'};
	if (!h) return row;
	const why = h.error ? `: ${cleanText(h.error, 80)}` : '';
	const code = h.httpCode === null ? 'no answer' : `HTTP ${h.httpCode}`;
	switch (h.status) {
		case 'unhealthy':
			return {...row, state: 'FAIL', reason: `canary unhealthy (${code})${why}`};
		case 'degraded':
			return {...row, state: 'WARN', reason: `canary degraded (${code})${why}`};
		case 'unknown':
			return {...row, reason: `canary health unknown (${code})${why}`};
		default:
			if (h.kernelsOk === false) return {...row, state: 'WARN', reason: `canary healthy (${code}) but its kernel check failed`};
			return {...row, state: 'PASS', reason: `canary healthy (${code}${h.version ? `, ${h.version}` : ''}${h.latencyMs !== null ? `, ${fmtMs(h.latencyMs)} ms` : ''})`};
	}
}

function checkCache(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {stable: s, canary: c} = input;
	const row: Row = {id: 'cache', label: 'cache hit rate', stable: null, canary: null, unit: '%', threshold: `warn > ${t.cacheDropWarnPts} points below stable`, windowSec, n: null, state: 'NO DATA', reason: 'no cache figures for both engines'};
	// Both sides from the same source: window ratios, else the engines' own gauges.
	let pair: [number, number] | null = null;
	if (c.window && c.window.requests < t.minRequests) return {...row, n: c.window.requests, reason: `canary N=${c.window.requests} in ${windowSec} s, need ${t.minRequests} to judge the cache`};
	if (s.window?.cacheHitRatio != null && c.window?.cacheHitRatio != null) {
		pair = [s.window.cacheHitRatio, c.window.cacheHitRatio];
		row.n = c.window.requests;
	} else if (s.health?.cacheHitRate != null && c.health?.cacheHitRate != null) pair = [s.health.cacheHitRate, c.health.cacheHitRate];
	if (!pair) return row;
	const [sp, cp] = [pair[0] * 100, pair[1] * 100];
	const drop = sp - cp;
	// A few hundred lookups swing the hit rate by several points: the drop must also beat chance.
	const sOps = s.window?.cacheOps ?? 0;
	const cOps = c.window?.cacheOps ?? 0;
	const z = sOps > 0 && cOps > 0 ? twoProportionZ(Math.round(pair[1] * cOps), cOps, Math.round(pair[0] * sOps), sOps) : null;
	const chance = z !== null && z > -t.zWarn;
	const state: CheckState = drop > t.cacheDropWarnPts && !chance ? 'WARN' : 'PASS';
	const limit = state === 'WARN' ? ` > ${t.cacheDropWarnPts}` : drop > t.cacheDropWarnPts ? ` (within chance: z ${z!.toFixed(2)})` : '';
	const how = drop >= 0 ? `${drop.toFixed(1)} points lower${limit}` : `${(-drop).toFixed(1)} points higher`;
	return {...row, stable: sp, canary: cp, state, reason: `canary cache hit ${cp.toFixed(1)} % vs stable ${sp.toFixed(1)} %: ${how} over ${windowSec} s${row.n !== null ? ` (N=${row.n})` : ''}`};
}

function checkErrors(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const p = input.errorPatterns;
	const row: Row = {id: 'errors', label: 'new error patterns', stable: null, canary: null, unit: '', threshold: `warn: new pattern > ${t.newPatternWarnPer1k} per 1k requests; fail: critical pattern`, windowSec, n: input.canary.window?.requests ?? null, state: 'NO DATA', reason: 'no log analysis yet'};
	if (!p) return row;
	const above = p.newPatterns.filter((x) => x.canaryPer1k > t.newPatternWarnPer1k).sort((a, b) => b.canaryPer1k - a.canaryPer1k);
	row.canary = above.length + p.critical.length;
	if (p.critical.length > 0) return {...row, state: 'FAIL', reason: `critical error pattern in canary: "${cleanText(p.critical[0].template, 80)}"${p.critical.length > 1 ? ` (+${p.critical.length - 1} more)` : ''}`};
	if (above.length > 0) {
		return {...row, state: 'WARN', reason: `${above.length} new error pattern${above.length > 1 ? 's' : ''} in canary, top "${cleanText(above[0].template, 60)}" at ${above[0].canaryPer1k.toFixed(1)} per 1k > ${t.newPatternWarnPer1k}`};
	}
	return {...row, state: 'PASS', reason: `no new error pattern in canary above ${t.newPatternWarnPer1k} per 1k over ${windowSec} s`};
}

const CHECKS = [checkP95, checkP95Relative, check5xx, check5xxRelative, checkMemory, checkHealth, checkCache, checkErrors];

/** Judges one analysis window. Call once per window: the budget counts windows. */
export function evaluate(input: VerdictInput, budget: BudgetState): {verdict: Verdict; budget: BudgetState} {
	const t = input.thresholds;
	const windowSec = input.canary.window?.windowSec ?? input.stable.window?.windowSec ?? 0;
	const of = Math.max(1, Math.round(t.failureBudget));
	const failed: BudgetState['failed'] = {};
	const checks: CheckRow[] = CHECKS.map((check) => {
		const row = check(input, windowSec);
		const before = budget.failed[row.id] ?? 0;
		// NO DATA neither extends nor breaks a run of failures; PASS and WARN end it.
		const used = row.state === 'FAIL' ? before + 1 : row.state === 'NO DATA' ? before : 0;
		if (used > 0) failed[row.id] = used;
		return {...row, budget: {used: Math.min(used, of), of}};
	});
	let overall: Overall;
	let reason: string;
	const fails = checks.filter((r) => r.state === 'FAIL');
	const spent = fails.find((r) => r.budget.used >= of);
	const warn = checks.find((r) => r.state === 'WARN');
	const missing = checks.find((r) => r.state === 'NO DATA' && KEY_CHECKS.includes(r.id));
	if (spent) {
		overall = 'ROLL BACK';
		reason = `${spent.reason}; failed ${spent.budget.used} of ${of} windows in a row`;
	} else if (fails.length > 0) {
		overall = 'HOLD';
		reason = `${fails[0].reason}; failure ${fails[0].budget.used} of ${of}`;
	} else if (warn) {
		overall = 'HOLD';
		reason = warn.reason;
	} else if (missing) {
		overall = 'INCONCLUSIVE';
		reason = `too little data: ${missing.reason}`;
	} else {
		overall = 'READY TO PROMOTE';
		const skipped = checks.filter((r) => r.state === 'NO DATA').map((r) => r.label);
		const n = input.canary.window?.requests ?? 0;
		reason = `all checks pass over ${windowSec} s (canary N=${n})${skipped.length ? `; no data: ${skipped.join(', ')}` : ''}`;
	}
	return {verdict: {overall, reason, checks, at: input.now}, budget: {failed}};
}
