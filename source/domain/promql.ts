// The PromQL behind each figure when Prometheus is the source: one query per figure and role,
// written so it can be pasted into Prometheus' own UI, and the figures read back from the
// answers. An empty answer is no data: never 0 ms, never a pass.

import type {Quantile, WindowFigures} from './figures.ts';
import type {MetricProfile} from './profiles.ts';

/** What names the engines' series in Prometheus (the config's metrics.prometheus). */
export interface PromSelectors {
	labels: {role: string; replica: string};
	roleValues: {stable: string; canary: string};
	/** Extra matchers without braces, e.g. `job="engines"`. */
	selector: string;
	memoryMetric: string;
}

export type PromRole = 'stable' | 'canary';

/**
 * The figures a poll asks for; `ratio5xx` is shown, `errors5xx`/`requests` give its counts.
 * The cache's are asked per role only, and only of a profile that has a cache counter ('' = not asked).
 */
export const PROM_FIGURES = ['p95', 'p50', 'p99', 'requests', 'errors5xx', 'ratio5xx', 'rps', 'latencyCount', 'memory', 'cacheRatio', 'cacheOps', 'cacheOpsTotal'] as const;
export type PromFigure = (typeof PROM_FIGURES)[number];
export type PromQueries = Record<PromFigure, string>;

/** A label value inside double quotes, escaped as PromQL strings are. */
export const quoteLabel = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

const regexEscape = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `{role="canary",job="x",endpoint!~"/healthz|/metrics"}` for one role (and one replica). */
export function matcher(sel: PromSelectors, role: PromRole, extra: string[] = [], replica?: string): string {
	const parts = [`${sel.labels.role}=${quoteLabel(sel.roleValues[role])}`];
	if (replica !== undefined) parts.push(`${sel.labels.replica}=${quoteLabel(replica)}`);
	if (sel.selector.trim() !== '') parts.push(sel.selector.trim());
	parts.push(...extra);
	return `{${parts.join(',')}}`;
}

/** The console's own polling is not traffic: `endpoint!~"/healthz|/metrics"` per endpoint label. */
function notExcluded(profile: MetricProfile, labels: readonly string[]): string[] {
	if (profile.excludedEndpoints.length === 0) return [];
	const alternatives = quoteLabel(profile.excludedEndpoints.map(regexEscape).join('|'));
	return labels.map((label) => `${label}!~${alternatives}`);
}

/**
 * Every query for one role over `windowSec`; with `by` (the replica label) each answers one
 * series per replica instead of one for the role.
 */
export function promQueries(profile: MetricProfile, sel: PromSelectors, role: PromRole, windowSec: number, by?: string): PromQueries {
	const range = `[${Math.max(1, Math.round(windowSec))}s]`;
	const group = by ? ` by (${by})` : '';
	const reqMatch = matcher(sel, role, notExcluded(profile, profile.requests.endpointLabels));
	const status = profile.requests.statusLabels[0] ?? 'status';
	const errMatch = matcher(sel, role, [...notExcluded(profile, profile.requests.endpointLabels), `${status}=~"5.."`]);
	const durMatch = matcher(sel, role, notExcluded(profile, profile.duration.endpointLabels));
	const bucket = `${profile.duration.metric}_bucket`;
	const quantile = (q: string) => `histogram_quantile(${q}, sum by (${by ? `${by}, ` : ''}le) (rate(${bucket}${durMatch}${range})))`;
	const requests = `sum${group} (increase(${profile.requests.metric}${reqMatch}${range}))`;
	// No 5xx series at all is 0 errors, not missing data: the requests decide whether there is data.
	const errors = `sum${group} (increase(${profile.requests.metric}${errMatch}${range}))`;
	const errorsOrZero = by ? `(${errors} or (${requests}) * 0)` : `(${errors} or vector(0))`;
	const cache = profile.cacheOps && !by ? profile.cacheOps : null;
	const lookups = cache ? `${cache.metric}${matcher(sel, role, [`${cache.opLabel}=~${quoteLabel(`${regexEscape(cache.hit)}|${regexEscape(cache.miss)}`)}`])}` : '';
	const hits = cache ? `${cache.metric}${matcher(sel, role, [`${cache.opLabel}=${quoteLabel(cache.hit)}`])}` : '';
	return {
		p95: quantile('0.95'),
		p50: quantile('0.5'),
		p99: quantile('0.99'),
		requests,
		errors5xx: errorsOrZero,
		ratio5xx: `${errorsOrZero} / ${requests}`,
		rps: `sum${group} (rate(${profile.requests.metric}${reqMatch}${range}))`,
		latencyCount: `sum${group} (increase(${bucket}${matcher(sel, role, [...notExcluded(profile, profile.duration.endpointLabels), 'le="+Inf"'])}${range}))`,
		memory: `max${group} (${sel.memoryMetric}${matcher(sel, role)})`,
		cacheRatio: cache ? `sum (increase(${hits}${range})) / sum (increase(${lookups}${range}))` : '',
		cacheOps: cache ? `sum (increase(${lookups}${range}))` : '',
		// The counters' own values: lookups since each engine started (how warm its cache can be).
		cacheOpsTotal: cache ? `sum (${lookups})` : '',
	};
}

/** One series of an instant-vector answer. */
export interface PromSample {
	labels: Record<string, string>;
	value: number;
}

/** Answers by figure; undefined: the query failed or was not asked. */
export type PromAnswers = Partial<Record<PromFigure, PromSample[]>>;

const first = (samples: PromSample[] | undefined): number | null => {
	const value = samples?.[0]?.value;
	return value === undefined || !Number.isFinite(value) ? null : value;
};

/** histogram_quantile answers +Inf when the rank falls in the last bucket, NaN without observations. */
function quantileOf(samples: PromSample[] | undefined, highestBound: number | null): Quantile | null {
	const value = samples?.[0]?.value;
	if (value === undefined || Number.isNaN(value)) return null;
	if (value === Number.POSITIVE_INFINITY) return highestBound === null ? null : {seconds: highestBound, atLeast: true};
	return Number.isFinite(value) && value >= 0 ? {seconds: value, atLeast: false} : null;
}

/**
 * A role's (or replica's) window figures from the answers; null when Prometheus knows no request
 * of it in the window (no data), so nothing reads as 0 ms or 0 %.
 */
export function figuresFromAnswers(answers: PromAnswers, windowSec: number, highestBound: number | null = null): WindowFigures | null {
	const requests = first(answers.requests);
	if (requests === null) return null;
	const errors5xx = first(answers.errors5xx) ?? 0;
	const ratio = first(answers.ratio5xx);
	const latencyCount = first(answers.latencyCount) ?? 0;
	return {
		windowSec,
		requests,
		rps: first(answers.rps),
		errors5xx,
		ratio5xx: requests > 0 ? (ratio ?? errors5xx / requests) : null,
		latencyCount,
		p50: latencyCount > 0 ? quantileOf(answers.p50, highestBound) : null,
		p95: latencyCount > 0 ? quantileOf(answers.p95, highestBound) : null,
		p99: latencyCount > 0 ? quantileOf(answers.p99, highestBound) : null,
		cacheHitRatio: first(answers.cacheRatio),
		cacheOps: first(answers.cacheOps) ?? 0,
		cacheOpsTotal: first(answers.cacheOpsTotal),
		reset: false,
	};
}

/** Splits answers grouped by the replica label into one answer set per replica. */
export function answersByReplica(answers: PromAnswers, label: string): Map<string, PromAnswers> {
	const out = new Map<string, PromAnswers>();
	for (const figure of PROM_FIGURES) {
		for (const sample of answers[figure] ?? []) {
			const name = sample.labels[label];
			if (name === undefined) continue;
			const own = out.get(name) ?? {};
			(own[figure] ??= []).push(sample);
			out.set(name, own);
		}
	}
	return out;
}
