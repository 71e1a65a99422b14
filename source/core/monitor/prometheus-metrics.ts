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
	/** `time`: evaluation time in seconds since the epoch; absent, Prometheus' now. */
	instant(query: string, signal?: AbortSignal, time?: number): Promise<PromSample[]>;
	close?(): Promise<void>;
}

/** One role's figures from Prometheus, with the query behind each. */
export interface RemoteReading {
	figures: WindowFigures | null;
	/** Memory in use in bytes (the highest of the role's replicas), null without a series. */
	memoryBytes: number | null;
	queries: PromQueries;
	/** The same grouped by the replica label, when the role has several replicas. */
	replicaQueries: PromQueries | null;
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

/** The query behind one check's value of a role; null when the value did not come from Prometheus. */
function queryFor(id: CheckRow['id'], reading: RemoteReading | null): string | null {
	if (!reading) return null;
	// The replicas' p95 side by side is what an outlier stands out in.
	if (id === 'replicas') return reading.replicaQueries?.p95 || null;
	const figure = QUERY_OF[id];
	// The cache's only when the hit rate came from it (else from the engines' own gauges).
	if (!figure || (figure === 'cacheRatio' && reading.figures?.cacheHitRatio == null)) return null;
	return reading.queries[figure] || null;
}

/** The verdict with the query behind each value, when the figures came from Prometheus. */
export function withQueries(verdict: Verdict, readings: Record<EngineRole, RemoteReading | null>): Verdict {
	if (!readings.stable && !readings.canary) return verdict;
	const checks = verdict.checks.map((row) => {
		const queries = {stable: queryFor(row.id, readings.stable), canary: queryFor(row.id, readings.canary)};
		return queries.stable || queries.canary ? {...row, queries} : row;
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
	const ask = async (queries: PromQueries, signal: AbortSignal, time: number): Promise<PromAnswers> => {
		const answers: PromAnswers = {};
		// One query at a time would multiply the latency; all of them at once is one round.
		await Promise.all(
			PROM_FIGURES.filter((figure) => queries[figure] !== '').map(async (figure) => {
				answers[figure] = await client.instant(queries[figure], signal, time);
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
			// One evaluation time for the whole round: the replicas' figures and the role's cover the same span.
			const time = Math.floor(started / 10) / 100;
			const [answers, grouped] = await Promise.all([ask(queries, signal, time), perReplica ? ask(perReplica, signal, time) : ({} as PromAnswers)]);
			const replicas = [...answersByReplica(grouped, selectors.labels.replica)]
				.sort(([a], [b]) => a.localeCompare(b, 'en', {numeric: true}))
				.map(([name, own]) => ({name, figures: figuresFromAnswers(own, windowSec), memoryBytes: own.memory?.[0]?.value ?? null}));
			const memory = answers.memory?.[0]?.value;
			return {
				figures: figuresFromAnswers(answers, windowSec),
				memoryBytes: memory !== undefined && Number.isFinite(memory) ? memory : null,
				queries,
				replicaQueries: perReplica,
				replicas,
				ms: now() - started,
			};
		},
	};
}
