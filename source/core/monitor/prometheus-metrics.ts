import type {EngineRole} from '../types.ts';
import type {CheckRow, Verdict, WindowFigures} from '../../domain/figures.ts';
import type {MetricProfile} from '../../domain/profiles.ts';
import {replicasOf} from '../../domain/replicas.ts';
import type {Config} from '../../config.ts';
import {answersByReplica, figuresFromAnswers, PROM_FIGURES, promQueries, type PromAnswers, type PromQueries, type PromSample, type PromSelectors} from '../../domain/promql.ts';

// Prometheus as the metrics source: one round of PromQL queries per role and poll, read back
// into the same window figures a direct scrape gives. The HTTP client is an adapter behind
// the PromQuery port.

/** Prometheus' HTTP API: an instant query. Rejects with a ProbeError when Prometheus fails. */
export interface PromQuery {
	/** Where the queries go, for the screen (never with credentials). */
	readonly describe: string;
	instant(query: string, signal?: AbortSignal): Promise<PromSample[]>;
	close?(): Promise<void>;
}

/** One role's figures from Prometheus, with the query behind each. */
export interface RemoteReading {
	figures: WindowFigures | null;
	/** Memory in use in bytes (the highest of the role's replicas), null without a series. */
	memoryBytes: number | null;
	queries: PromQueries;
	/** Per replica (by the replica label), when Prometheus has more than one series. */
	replicas: {name: string; figures: WindowFigures | null; memoryBytes: number | null}[];
	/** How long the round took, ms. */
	ms: number;
}

/** The config's Prometheus source: per-replica queries only for a role with several replicas. */
export function configuredPrometheus(client: PromQuery, config: Config, profile: MetricProfile): RemoteMetrics {
	const replicas = replicasOf(config);
	const perReplica = {stable: replicas.stable.length > 1, canary: replicas.canary.length > 1};
	return prometheusMetrics(client, profile, config.metrics.prometheus, config.windowSec, {perReplica});
}

/** PromQL figure behind each check's values; checks not listed do not come from Prometheus. */
const QUERY_OF: Partial<Record<CheckRow['id'], keyof PromQueries>> = {p95: 'p95', 'p95-relative': 'p95', '5xx': 'ratio5xx', '5xx-relative': 'ratio5xx', memory: 'memory', cache: 'cacheRatio'};

/** The queries behind a reading's values: the cache's only when the hit rate came from them. */
export function shownQueries(reading: RemoteReading | null): PromQueries | null {
	if (!reading) return null;
	return reading.figures?.cacheHitRatio == null ? {...reading.queries, cacheRatio: ''} : reading.queries;
}

/** The verdict with the query behind each value, when the figures came from Prometheus. */
export function withQueries(verdict: Verdict, queries: Record<EngineRole, PromQueries | null>): Verdict {
	if (!queries.stable && !queries.canary) return verdict;
	const checks = verdict.checks.map((row) => {
		const figure = QUERY_OF[row.id];
		return figure ? {...row, queries: {stable: queries.stable?.[figure] || null, canary: queries.canary?.[figure] || null}} : row;
	});
	return {...verdict, checks};
}

/** Reads one role's figures; rejects (ProbeError) when the source cannot be reached. */
export interface RemoteMetrics {
	readonly describe: string;
	read(role: EngineRole, signal: AbortSignal): Promise<RemoteReading>;
}

/**
 * Figures per role from Prometheus; `perReplica` says which roles run several replicas (their
 * queries grouped by the replica label run too: one replica's figures are its role's).
 */
export function prometheusMetrics(
	client: PromQuery,
	profile: MetricProfile,
	selectors: PromSelectors,
	windowSec: number,
	options: {perReplica?: Partial<Record<EngineRole, boolean>>; now?: () => number} = {},
): RemoteMetrics {
	const now = options.now ?? Date.now;
	const ask = async (queries: PromQueries, signal: AbortSignal): Promise<PromAnswers> => {
		const answers: PromAnswers = {};
		// One query at a time would multiply the latency; all of them at once is one round.
		await Promise.all(
			PROM_FIGURES.filter((figure) => queries[figure] !== '').map(async (figure) => {
				answers[figure] = await client.instant(queries[figure], signal);
			}),
		);
		return answers;
	};
	return {
		describe: client.describe,
		async read(role, signal) {
			const started = now();
			const queries = promQueries(profile, selectors, role, windowSec);
			const perReplica = options.perReplica?.[role] ? promQueries(profile, selectors, role, windowSec, selectors.labels.replica) : null;
			const [answers, grouped] = await Promise.all([ask(queries, signal), perReplica ? ask(perReplica, signal) : ({} as PromAnswers)]);
			const replicas = [...answersByReplica(grouped, selectors.labels.replica)]
				.sort(([a], [b]) => a.localeCompare(b, 'en', {numeric: true}))
				.map(([name, own]) => ({name, figures: figuresFromAnswers(own, windowSec), memoryBytes: own.memory?.[0]?.value ?? null}));
			const memory = answers.memory?.[0]?.value;
			return {
				figures: figuresFromAnswers(answers, windowSec),
				memoryBytes: memory !== undefined && Number.isFinite(memory) ? memory : null,
				queries,
				replicas,
				ms: now() - started,
			};
		},
	};
}
