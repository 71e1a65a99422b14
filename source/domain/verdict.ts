// The verdict: canary against fixed limits and against stable over the same window, each
// check saying its value, threshold, window and sample size. Like Kayenta it refuses to judge
// on too little data; like Flagger it counts consecutive failed windows against a budget.

import type {CheckRow, HealthReading, Overall, Verdict, WindowFigures} from './figures.ts';
import type {HealthWindow} from './health-window.ts';
import type {LifecycleWindow} from './lifecycle.ts';
import type {Split} from './upstream.ts';
import {CHECKS, type Row} from './verdict-checks.ts';

export {fmtMs, fmtPct} from './verdict-checks.ts';

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
	/** One-sided exact p-values of "the canary's rate per request is higher than stable's". */
	pWarn: number;
	pFail: number;
	/** Events (5xx answers, log lines of one pattern) before a rate says anything. */
	minEvents: number;
	/** Canary requests in the window before latency, 5xx or cache are judged at all. */
	minRequests: number;
	memoryWarnPct: number;
	memoryFailPct: number;
	/** Share of the window's health probes that failed before health FAILs. */
	healthFailPct: number;
	/** Exits (restarts) of the canary in the window: WARN at this many, FAIL at restartsFail. */
	restartsWarn: number;
	restartsFail: number;
	/** Canary cache hit rate this many points below stable: WARN. */
	cacheDropWarnPts: number;
	/** Cache lookups since the canary started before its hit rate is compared (a cold cache is no fault). */
	cacheWarmupLookups: number;
	/** Also used for the cache's chance test: z of the hit-rate difference. */
	zWarn: number;
	/** A log pattern new in the canary at more than this per 1000 requests: WARN. */
	newPatternWarnPer1k: number;
	/** Consecutive failed windows of one check before the verdict says ROLL BACK. */
	failureBudget: number;
	/**
	 * Replicas: one whose p95 is above its siblings' median by more than the larger of
	 * replicaP95Ms and replicaP95Pct %, or whose 5xx share is above theirs by more than
	 * replica5xxPts points, is an outlier (WARN); replicas with fewer than replicaMinRequests
	 * requests in the window are not compared.
	 */
	replicaP95Ms: number;
	replicaP95Pct: number;
	replica5xxPts: number;
	replicaMinRequests: number;
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
	pWarn: 0.01,
	pFail: 0.001,
	minEvents: 3,
	minRequests: 50,
	memoryWarnPct: 70,
	memoryFailPct: 80,
	healthFailPct: 20,
	restartsWarn: 1,
	restartsFail: 2,
	cacheDropWarnPts: 5,
	cacheWarmupLookups: 2000,
	zWarn: 1.96,
	newPatternWarnPer1k: 1,
	failureBudget: 3,
	replicaP95Ms: 100,
	replicaP95Pct: 50,
	replica5xxPts: 2,
	replicaMinRequests: 20,
};

export type CheckId = CheckRow['id'];

export interface EngineInput {
	window: WindowFigures | null;
	health: HealthReading | null;
	/** Every health probe of the window, summarised; without it only the last probe counts. */
	healthWindow?: HealthWindow | null;
	memory: {used: number; limit: number} | null;
	/** The highest memory share of the limit in the window, percent: a restart does not erase it. */
	memoryPeakPct?: number | null;
	/** Exits, OOM kills and state in the window. */
	lifecycle?: LifecycleWindow | null;
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
	/** The window length the caller judges over, in seconds (default: the figures' own). */
	windowSec?: number;
	/** The split nginx is configured with, and since when (ms since epoch). */
	configured?: {split: Split; since: number} | null;
	/** Soak left in the current stage in ms; null when there is no soak to wait for. */
	soakRemainingMs?: number | null;
	/** Rows judged elsewhere (Redis, response drift), appended after the built-in checks. */
	extraChecks?: Row[];
}

/** Consecutive failed windows per check; start from EMPTY_BUDGET, feed each result back in. */
export interface BudgetState {
	failed: Partial<Record<CheckId, number>>;
}

export const EMPTY_BUDGET: BudgetState = {failed: {}};

/** The checks whose NO DATA makes the whole verdict INCONCLUSIVE. */
const KEY_CHECKS: readonly CheckId[] = ['p95', '5xx', 'health'];

export function fmtDuration(ms: number): string {
	const minutes = Math.ceil(ms / 60_000);
	if (minutes < 60) return `${minutes}m`;
	return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * Judges one analysis window. `count` false judges without spending the budget (a preview
 * between windows): it can never say ROLL BACK, so the screen never shows ROLL BACK before the
 * window that acts on it.
 */
export function evaluate(input: VerdictInput, budget: BudgetState, count = true): {verdict: Verdict; budget: BudgetState} {
	const t = input.thresholds;
	const windowSec = input.windowSec ?? input.canary.window?.windowSec ?? input.stable.window?.windowSec ?? 0;
	const of = Math.max(1, Math.round(t.failureBudget));
	const rolledBack = input.configured?.split.canary === 0;
	const failed: BudgetState['failed'] = {};
	const rows: Row[] = [...CHECKS.map((check) => check(input, windowSec)), ...(input.extraChecks ?? [])];
	const checks: CheckRow[] = rows.map((computed) => {
		let row: Row = computed;
		if (rolledBack && row.id !== 'health' && row.id !== 'restarts' && row.id !== 'memory' && row.id !== 'redis') {
			row = {...row, state: 'NO DATA', canary: null, reason: `no canary traffic: ${input.configured!.split.stable}/0 sends everything to stable`};
		}
		const before = budget.failed[row.id] ?? 0;
		// NO DATA neither extends nor breaks a run of failures; PASS and WARN end it.
		let used = row.state === 'FAIL' ? before + 1 : row.state === 'NO DATA' ? before : 0;
		// A preview shows the failure coming but spends nothing: only a recorded window reaches the budget.
		if (!count && row.state === 'FAIL') used = Math.max(before, Math.min(used, of - 1));
		if (rolledBack) used = 0;
		if (used > 0) failed[row.id] = used;
		return {...row, budget: {used: Math.min(used, of), of}};
	});
	let overall: Overall;
	let reason: string;
	const fails = checks.filter((r) => r.state === 'FAIL');
	const spent = fails.find((r) => r.budget.used >= of);
	const warn = checks.find((r) => r.state === 'WARN');
	const missing = checks.find((r) => r.state === 'NO DATA' && KEY_CHECKS.includes(r.id));
	const quiet = input.stable.window !== null && input.canary.window !== null && input.stable.window.requests + input.canary.window.requests === 0;
	if (rolledBack) {
		overall = 'ROLLED BACK';
		reason = `all traffic on stable (${input.configured!.split.stable}/0): the canary is not judged and no soak runs`;
	} else if (spent) {
		overall = 'ROLL BACK';
		reason = `${spent.reason}; failed ${spent.budget.used} of ${of} windows in a row`;
	} else if (fails.length > 0) {
		overall = 'HOLD';
		reason = `${fails[0].reason}; failure ${fails[0].budget.used} of ${of}`;
	} else if (quiet) {
		overall = 'INCONCLUSIVE';
		reason = `no traffic in the last ${Math.round(windowSec)} s: nothing to judge`;
	} else if (warn) {
		overall = 'HOLD';
		reason = warn.reason;
	} else if (missing) {
		overall = 'INCONCLUSIVE';
		reason = `too little data: ${missing.reason}`;
	} else {
		const skipped = checks.filter((r) => r.state === 'NO DATA').map((r) => r.label);
		const n = input.canary.window?.requests ?? 0;
		const soak = input.soakRemainingMs ?? 0;
		overall = soak > 0 ? 'SOAKING' : 'READY TO PROMOTE';
		reason = `${soak > 0 ? `checks pass, soak ${fmtDuration(soak)} to go` : 'all checks pass'} over ${windowSec} s (canary N=${n})${skipped.length ? `; no data: ${skipped.join(', ')}` : ''}`;
	}
	return {verdict: {overall, reason, checks, at: input.now}, budget: {failed}};
}
