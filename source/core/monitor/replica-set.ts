import type {HttpProbe, ResourceReading, StatsSource} from '../types.ts';
import {ProbeError} from '../types.ts';
import type {HealthReading, WindowFigures} from '../../domain/figures.ts';
import {parsePrometheus, type ParsedPage} from '../../domain/prometheus.ts';
import {summarizeWindow} from '../../domain/window.ts';
import {healthFromFailure, parseHealth} from '../../domain/health.ts';
import type {MetricProfile} from '../../domain/profiles.ts';
import {mergeReplicaPages, worstHealth} from '../../domain/replica-merge.ts';
import {WindowPages} from '../../domain/window-page.ts';

// The replicas of one role, scraped one by one: each keeps its own recent pages (its own
// figures, for the cards and the outlier check), and the role's page is their merge
// (replica-merge.ts). A replica that does not answer lends its last page to the merge, so its
// counters neither vanish nor come back as if new: the role's figures stay honest for the others.
// A replica's scrapes keep only what the window figures read (window-page.ts): with 5+5 replicas
// the whole pages kept over the window were about 25 MB of heap.

export interface ReplicaTarget {
	id: string;
	/** Base URL of its /metrics and /healthz; a replica without one is not scraped directly. */
	url?: string;
}

export interface ReplicaView {
	id: string;
	figures: WindowFigures | null;
	health: HealthReading | null;
	memPercent: number | null;
	restarts: number | null;
	/** Why its last scrape failed, or null. */
	problem: string | null;
}

interface ReplicaState {
	target: ReplicaTarget;
	scrapes: {at: number; page: ParsedPage}[];
	kept: WindowPages;
	health: HealthReading | null;
	resources: ResourceReading | null;
	problem: string | null;
}

export class ReplicaSet {
	private readonly states: ReplicaState[];

	constructor(
		targets: readonly ReplicaTarget[],
		private readonly deps: {http: HttpProbe; stats: StatsSource; profile: MetricProfile; windowSec: number; now: () => number},
	) {
		this.states = targets.map((target) => ({target, scrapes: [], kept: new WindowPages(deps.profile), health: null, resources: null, problem: null}));
	}

	get ids(): string[] {
		return this.states.map((state) => state.target.id);
	}

	/** Every replica's /healthz; the role's reading is the worst of them. */
	async health(signal: AbortSignal): Promise<HealthReading> {
		await Promise.all(
			this.states.map(async (state) => {
				if (!state.target.url) return;
				try {
					const result = await this.deps.http.get(`${state.target.url}/healthz`, {signal});
					state.health = parseHealth(result.status, result.body, result.ms);
				} catch (error) {
					const failure = error instanceof ProbeError ? error : new ProbeError('error', String(error));
					state.health = healthFromFailure(failure.kind, failure.message);
				}
			}),
		);
		const readings = this.states.flatMap((state) => (state.health ? [{id: state.target.id, health: state.health}] : []));
		return worstHealth(readings) ?? healthFromFailure('error', 'no replica has a metrics URL');
	}

	/** Every replica's /metrics, merged; throws (ProbeError) only when none answered. */
	async metrics(signal: AbortSignal): Promise<{page: ParsedPage; ms: number; problem: string | null; at: number}> {
		let slowest = 0;
		const fresh = new Map<ReplicaState, ParsedPage>();
		const answered = await Promise.all(
			this.states.map(async (state) => {
				if (!state.target.url) return false;
				try {
					const result = await this.deps.http.get(`${state.target.url}/metrics`, {signal});
					if (result.status !== 200) throw new ProbeError('bad-response', `/metrics answered HTTP ${result.status}`);
					const page = parsePrometheus(result.body);
					if (page.samples.length === 0) throw new ProbeError('bad-response', '/metrics held no samples');
					slowest = Math.max(slowest, result.ms);
					fresh.set(state, state.kept.keep(page));
					state.problem = null;
					return true;
				} catch (error) {
					state.problem = error instanceof ProbeError ? error.message : String(error);
					return false;
				}
			}),
		);
		if (!answered.some(Boolean)) {
			const first = this.states.find((state) => state.problem);
			throw new ProbeError('error', `no replica answered /metrics${first ? ` (${first.target.id}: ${first.problem})` : ''}`);
		}
		// One time for every replica's scrape and the role's: their windows then cover the same span,
		// and the replicas' figures add up to the role's.
		const at = this.deps.now();
		for (const [state, page] of fresh) {
			state.scrapes.push({at, page});
			const cutoff = at - this.deps.windowSec * 1000;
			while (state.scrapes.length > 2 && state.scrapes[1]!.at <= cutoff) state.scrapes.shift();
		}
		const pages = this.states.flatMap((state) => {
			const last = state.scrapes.at(-1);
			return last ? [{id: state.target.id, page: last.page}] : [];
		});
		const failed = this.states.filter((state) => state.problem).map((state) => `${state.target.id}: ${state.problem}`);
		return {page: mergeReplicaPages(pages), ms: slowest, problem: failed.length > 0 ? failed.join('; ') : null, at};
	}

	/** Each replica's resources, where the stats source knows replicas. */
	async stats(signal: AbortSignal): Promise<void> {
		const read = this.deps.stats.readReplica;
		if (!read) return;
		await Promise.all(
			this.states.map(async (state) => {
				state.resources = await read.call(this.deps.stats, state.target.id, signal).catch(() => null);
			}),
		);
	}

	/** Each replica's figures over the last `seconds`, its health and resources. */
	views(seconds: number): ReplicaView[] {
		return this.states.map((state) => {
			const newest = state.scrapes.at(-1);
			const cutoff = (newest?.at ?? 0) - seconds * 1000;
			const oldest = state.scrapes.find((scrape) => scrape.at >= cutoff - 500) ?? state.scrapes[0];
			const figures = newest && oldest && oldest !== newest ? summarizeWindow(oldest.page, newest.page, (newest.at - oldest.at) / 1000, this.deps.profile) : null;
			const r = state.resources;
			return {
				id: state.target.id,
				figures,
				health: state.health,
				memPercent: r && r.memLimit > 0 ? (r.memUsed / r.memLimit) * 100 : null,
				restarts: r ? r.restarts : null,
				problem: state.problem,
			};
		});
	}
}
