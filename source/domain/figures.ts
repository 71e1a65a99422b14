// Data shapes shared by the metrics math, the verdict, the screen and `status --json`.
// Numbers stay numbers here (seconds, ratios 0..1, bytes); formatting is the screen's job.

/** A quantile estimate; atLeast means the rank fell in +Inf and this is the highest finite bound. */
export interface Quantile {
	seconds: number;
	atLeast: boolean;
}

/** One engine's traffic figures over a window, from two scrapes of /metrics. */
export interface WindowFigures {
	/** Seconds between the two scrapes the figures come from. */
	windowSec: number;
	/** Requests served in the window (self-polling endpoints excluded). */
	requests: number;
	rps: number | null;
	errors5xx: number;
	/** 5xx / requests; null when requests is 0. */
	ratio5xx: number | null;
	/** Requests counted by the duration histogram in the window (sample size of the quantiles). */
	latencyCount: number;
	p50: Quantile | null;
	p95: Quantile | null;
	p99: Quantile | null;
	/** hits / (hits + misses) in the window; null when there were none. */
	cacheHitRatio: number | null;
	/** hits + misses in the window: the sample size behind cacheHitRatio. */
	cacheOps?: number;
	/** hits + misses since the engine started (the counters' own values): how warm its cache is. */
	cacheOpsTotal?: number | null;
	/** A counter went down inside the window (the engine restarted). */
	reset: boolean;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

export interface HealthReading {
	status: HealthStatus;
	httpCode: number | null;
	latencyMs: number | null;
	version: string | null;
	queueDepth: number | null;
	/** The engine's own kernel check, when it reports one. */
	kernelsOk: boolean | null;
	/** The cache hit rate the engine reports about itself (0..1). */
	cacheHitRate: number | null;
	/** What went wrong, in words, when status is unhealthy or unknown. */
	error: string | null;
}

export type CheckState = 'PASS' | 'WARN' | 'FAIL' | 'NO DATA';

export interface CheckRow {
	id: 'p95' | 'p95-relative' | '5xx' | '5xx-relative' | 'memory' | 'health' | 'restarts' | 'traffic' | 'cache' | 'errors' | 'redis' | 'drift' | 'replicas';
	label: string;
	/** Values in the check's unit (ms, %, points); null when there is no data. */
	stable: number | null;
	canary: number | null;
	unit: 'ms' | '%' | 'pts' | '';
	/** The rule in words, e.g. "warn > 200 ms, fail > 300 ms". */
	threshold: string;
	/** Window length in seconds the values come from. */
	windowSec: number;
	/** Sample size behind the canary value (requests, readings...), null when not applicable. */
	n: number | null;
	state: CheckState;
	/** Consecutive failed windows for this check and the budget, e.g. {used: 1, of: 3}. */
	budget: {used: number; of: number};
	/** One line: why this state. */
	reason: string;
	/** With Prometheus as the source: the PromQL behind each side's value, to paste into its UI. */
	queries?: {stable: string | null; canary: string | null};
}

/**
 * SOAKING: every check passes but the stage has not soaked yet. ROLLED BACK: all traffic is on
 * stable (100/0), so the canary is not judged and no soak runs.
 */
export type Overall = 'READY TO PROMOTE' | 'SOAKING' | 'HOLD' | 'ROLL BACK' | 'INCONCLUSIVE' | 'ROLLED BACK';

/** Every check passes (the stage may still be soaking). */
export const checksPass = (overall: Overall | null | undefined): boolean => overall === 'READY TO PROMOTE' || overall === 'SOAKING';

export interface Verdict {
	overall: Overall;
	/** The deciding reason in one line. */
	reason: string;
	checks: CheckRow[];
	/** When it was computed, ms since epoch. */
	at: number;
}
