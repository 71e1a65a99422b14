import type {EngineRole, HttpProbe, ResourceReading, StatsSource} from '../types.ts';
import {ProbeError} from '../types.ts';
import type {HealthReading, WindowFigures} from '../../domain/figures.ts';
import {parsePrometheus, type ParsedPage} from '../../domain/prometheus.ts';
import {summarizeWindow} from '../../domain/window.ts';
import {healthFromFailure, parseHealth} from '../../domain/health.ts';
import type {MetricProfile} from '../../domain/profiles.ts';
import {summarizeHealth, type HealthProbe, type HealthWindow} from '../../domain/health-window.ts';
import {LifecycleLog, type LifecycleWindow} from '../../domain/lifecycle.ts';
import type {RemoteMetrics, RemoteReading} from './prometheus-metrics.ts';
import {ReplicaSet, type ReplicaTarget, type ReplicaView} from './replica-set.ts';
import {WindowPages} from '../../domain/window-page.ts';

// Polls one engine's /healthz, /metrics and resource usage, keeps the recent scrapes
// (enough to cover the analysis window) and a bounded history for the sparklines.

export type ProbeState = 'waiting' | 'ok' | 'slow' | 'timeout' | 'refused' | 'bad-response' | 'error';

export interface ProbeStatus {
	state: ProbeState;
	message: string | null;
	/** Last time /metrics answered, ms since epoch. */
	lastOkAt: number | null;
	/** Consecutive failed polls. */
	failures: number;
}

export interface SeriesPoint {
	at: number;
	p95Ms: number | null;
	ratio5xx: number | null;
	memPercent: number | null;
	rps: number | null;
}

interface Scrape {
	at: number;
	page: ParsedPage;
}

const SLOW_MS = 1000;

export class EnginePoller {
	probe: ProbeStatus = {state: 'waiting', message: null, lastOkAt: null, failures: 0};
	health: HealthReading | null = null;
	figures: WindowFigures | null = null;
	/** When the scrape that `figures` start from was taken (ms since epoch). */
	figuresFrom: number | null = null;
	resources: ResourceReading | null = null;
	resourcesError: string | null = null;
	readonly series: SeriesPoint[] = [];
	/** Requests served since the console started watching (self-polling excluded). */
	requestsSeen = 0;
	/** Bumped by every poll: snapshots reuse an engine's view while it is unchanged. */
	version = 0;
	/** Restarts, exits and OOM kills: fed by the runtime's events and by every resource reading. */
	readonly lifecycle = new LifecycleLog();
	private readonly scrapes: Scrape[] = [];
	/** The scrapes keep only what the window figures read, sharing labels from one scrape to the next. */
	private readonly kept: WindowPages;
	/** Every /healthz probe of the last window, oldest first. */
	private readonly probes: HealthProbe[] = [];

	constructor(
		readonly role: EngineRole,
		readonly url: string,
		private readonly deps: {
			http: HttpProbe;
			stats: StatsSource;
			profile: MetricProfile;
			windowSec: number;
			historyMs: number;
			now: () => number;
			/** More than one replica: each is scraped and the role's figures come from their merge. */
			replicas?: readonly ReplicaTarget[];
			/** Figures from Prometheus instead of scraping this engine's /metrics. */
			remote?: RemoteMetrics;
		},
	) {
		this.replicaSet = deps.replicas && deps.replicas.length > 1 ? new ReplicaSet(deps.replicas, deps) : null;
		this.kept = new WindowPages(deps.profile);
	}

	/** The role's replicas when it has more than one, else null. */
	readonly replicaSet: ReplicaSet | null;

	/** Each replica's figures, health and resources over the analysis window (empty for one replica). */
	replicaViews(): ReplicaView[] {
		const views = this.replicaSet ? this.replicaSet.views(this.deps.windowSec) : [];
		if (!this.deps.remote) return views;
		// From Prometheus: each replica's figures by its replica label; health and resources as scraped.
		const remote = new Map(this.remote?.replicas.map((replica) => [replica.name, replica]));
		return views.map((view) => ({...view, figures: remote.get(view.id)?.figures ?? null, problem: remote.has(view.id) || !this.remote ? view.problem : `no series with replica ${view.id} in Prometheus`}));
	}

	/** The newest reading from Prometheus (its queries, per-replica figures), when it is the source. */
	remote: RemoteReading | null = null;

	/** One poll: health, metrics and resources side by side. Never throws. */
	async poll(signal: AbortSignal): Promise<void> {
		await Promise.all([this.pollHealth(signal), this.deps.remote ? this.pollRemote(this.deps.remote, signal) : this.pollMetrics(signal), this.pollStats(signal)]);
		this.record();
	}

	/** The scrapes newer than the window start, oldest first (for the verdict's own window). */
	windowFigures(seconds: number): WindowFigures | null {
		const newest = this.scrapes.at(-1);
		if (!newest) return null;
		const cutoff = newest.at - seconds * 1000;
		// The oldest scrape at or after the cutoff; with polls every few seconds that is close to the window.
		const oldest = this.scrapes.find((scrape) => scrape.at >= cutoff - 500) ?? this.scrapes[0];
		if (!oldest || oldest === newest) return null;
		return summarizeWindow(oldest.page, newest.page, (newest.at - oldest.at) / 1000, this.deps.profile);
	}

	/** Every health probe of the last `seconds`, summarised (N, failed share, flips, longest failure). */
	healthWindow(seconds: number): HealthWindow {
		const now = this.deps.now();
		return summarizeHealth(this.probes, now - seconds * 1000, now);
	}

	/** Exits and OOM kills of the last `seconds`. */
	lifecycleWindow(seconds: number): LifecycleWindow {
		const now = this.deps.now();
		return this.lifecycle.window(now - seconds * 1000, now);
	}

	/** The highest memory share of the limit in the last `seconds`, percent; null without readings. */
	memoryPeak(seconds: number): number | null {
		const cutoff = this.deps.now() - seconds * 1000;
		let peak: number | null = null;
		for (let i = this.series.length - 1; i >= 0 && this.series[i]!.at >= cutoff; i--) {
			const pct = this.series[i]!.memPercent;
			if (pct !== null && (peak === null || pct > peak)) peak = pct;
		}
		return peak;
	}

	private async pollHealth(signal: AbortSignal): Promise<void> {
		try {
			if (this.replicaSet) {
				this.health = await this.replicaSet.health(signal);
				if (signal.aborted) return;
			} else {
				const result = await this.deps.http.get(`${this.url}/healthz`, {signal});
				this.health = parseHealth(result.status, result.body, result.ms);
			}
		} catch (error) {
			if (signal.aborted) return;
			const failure = error instanceof ProbeError ? error : new ProbeError('error', String(error));
			this.health = healthFromFailure(failure.kind, failure.message);
		}
		const at = this.deps.now();
		this.probes.push({at, status: this.health.status, httpCode: this.health.httpCode});
		// Twice the window: enough for a window that ends a little in the past.
		while (this.probes.length > 0 && this.probes[0]!.at < at - this.deps.windowSec * 2000) this.probes.shift();
	}

	private async pollMetrics(signal: AbortSignal): Promise<void> {
		try {
			const fetched = await this.fetchMetrics(signal);
			const {ms, problem, at: scrapedAt} = fetched;
			const page = this.kept.keep(fetched.page);
			const at = scrapedAt ?? this.deps.now();
			const previous = this.scrapes.at(-1);
			if (previous) this.requestsSeen += summarizeWindow(previous.page, page, (at - previous.at) / 1000, this.deps.profile).requests;
			this.scrapes.push({at, page});
			// Keep one scrape older than the window so a full window can always be formed.
			const cutoff = at - this.deps.windowSec * 1000;
			while (this.scrapes.length > 2 && this.scrapes[1]!.at <= cutoff) this.scrapes.shift();
			this.answered(at, ms, '/metrics', problem);
		} catch (error) {
			if (!signal.aborted) this.failed(error);
		}
	}

	/** The source answered in `ms`: ok, or slow past SLOW_MS; `problem` overrides the message. */
	private answered(at: number, ms: number, source: string, problem: string | null): void {
		const slow = ms > SLOW_MS;
		this.probe = {state: slow ? 'slow' : 'ok', message: problem ?? (slow ? `${source} took ${Math.round(ms)} ms` : null), lastOkAt: at, failures: 0};
	}

	/** The source failed: its kind and message, keeping the age of the last good data. */
	private failed(error: unknown): void {
		const failure = error instanceof ProbeError ? error : new ProbeError('error', String(error));
		this.probe = {state: failure.kind, message: failure.message, lastOkAt: this.probe.lastOkAt, failures: this.probe.failures + 1};
	}

	/** Figures from Prometheus: its failure is shown like an engine's, with the data's age. */
	private async pollRemote(remote: RemoteMetrics, signal: AbortSignal): Promise<void> {
		try {
			const reading = await remote.read(this.role, signal);
			const at = this.deps.now();
			this.remote = reading;
			this.answered(at, reading.ms, 'Prometheus', null);
		} catch (error) {
			if (!signal.aborted) this.failed(error);
		}
	}

	/** Memory in use and the limit (bytes): Prometheus' figure when it is the source, else the runtime's. */
	memoryReading(): {used: number; limit: number} | null {
		const r = this.resources;
		if (!this.deps.remote) return r ? {used: r.memUsed, limit: r.memLimit} : null;
		const used = this.remote?.memoryBytes;
		return used == null ? null : {used, limit: r?.memLimit ?? 0};
	}

	/** Memory in use, percent of the limit: Prometheus' figure when it is the source, else the runtime's. */
	private memPercent(): number | null {
		const limit = this.resources?.memLimit ?? 0;
		if (limit <= 0) return null;
		if (this.deps.remote) return this.remote?.memoryBytes != null && this.probe.lastOkAt !== null ? (this.remote.memoryBytes / limit) * 100 : null;
		return (this.resources!.memUsed / limit) * 100;
	}

	/** One page of the role's metrics: its engine's, or its replicas' merged. */
	private async fetchMetrics(signal: AbortSignal): Promise<{page: ParsedPage; ms: number; problem: string | null; at?: number}> {
		if (this.replicaSet) return this.replicaSet.metrics(signal);
		const result = await this.deps.http.get(`${this.url}/metrics`, {signal});
		if (result.status !== 200) throw new ProbeError('bad-response', `/metrics answered HTTP ${result.status}`);
		const page = parsePrometheus(result.body);
		if (page.samples.length === 0) {
			throw new ProbeError('bad-response', `/metrics held no samples${page.errors.length > 0 ? ` (${page.errors[0]})` : ''}`);
		}
		return {page, ms: result.ms, problem: null};
	}

	private async pollStats(signal: AbortSignal): Promise<void> {
		if (this.replicaSet) await this.replicaSet.stats(signal);
		try {
			this.resources = await this.deps.stats.read(this.role, signal);
			this.resourcesError = null;
			const r = this.resources;
			this.lifecycle.reading(this.deps.now(), r.restarts, r.state, r.exitCode, r.oomKilled);
		} catch (error) {
			this.resourcesError = (error as Error).message;
		}
	}

	private record(): void {
		this.version++;
		const at = this.deps.now();
		if (this.deps.remote) {
			// Prometheus unreachable: the last figures stay, and the card shows their age.
			this.figures = this.remote?.figures ?? null;
			this.figuresFrom = this.figures && this.probe.lastOkAt !== null ? this.probe.lastOkAt - this.figures.windowSec * 1000 : null;
		} else {
			this.figures = this.windowFigures(this.deps.windowSec);
			this.figuresFrom = this.figures ? (this.scrapes.at(-1)?.at ?? 0) - this.figures.windowSec * 1000 : null;
		}
		// Sparklines use a short window so a change shows within a few polls (Prometheus: its window).
		const recent = this.deps.remote ? this.figures : this.windowFigures(Math.min(10, this.deps.windowSec));
		const fresh = this.probe.lastOkAt !== null && at - this.probe.lastOkAt < 1000;
		this.series.push({
			at,
			p95Ms: fresh && recent?.p95 ? recent.p95.seconds * 1000 : null,
			ratio5xx: fresh ? (recent?.ratio5xx ?? null) : null,
			memPercent: this.memPercent(),
			rps: fresh ? (recent?.rps ?? null) : null,
		});
		const cutoff = at - this.deps.historyMs;
		while (this.series.length > 0 && this.series[0]!.at < cutoff) this.series.shift();
	}
}
