import type {Clock, EngineRole} from '../types.ts';
import {ENGINE_ROLES, systemClock} from '../types.ts';
import type {Config} from '../../config.ts';
import type {EnginePoller} from './engine-poller.ts';
import {createPollers} from './engine-pollers.ts';
import {LogStore} from './log-store.ts';
import type {ActionState, AutomationView, Notice, ServiceView, Snapshot} from './snapshot.ts';
import {evaluate, EMPTY_BUDGET, type BudgetState, type VerdictInput} from '../../domain/verdict.ts';
import {buildVerdictInput} from './verdict-input.ts';
import {EngineViews} from './engine-view.ts';
import type {HealthReading, Verdict} from '../../domain/figures.ts';
import {parseHealth, healthFromFailure} from '../../domain/health.ts';
import {WeightsWatch} from './weights-watch.ts';
import {SplitWatch} from './split-watch.ts';
import type {PatternRow} from '../../domain/error-diff.ts';
import {ProbeError} from '../types.ts';
import {WeightActions} from '../change/weight-actions.ts';
import {setMaxListeners} from 'node:events';
import {Reuse} from './reuse.ts';
import {Publisher} from './publisher.ts';
import type {MonitorDeps} from './monitor-deps.ts';
import type {MonitorPart} from './monitor-part.ts';
import type {Timeline} from './timeline.ts';
import {TimelineWatch} from './timeline-watch.ts';
import {History} from './history.ts';
import {withQueries} from './prometheus-metrics.ts';

// The headless core: owns the clocks and the data, and publishes an immutable Snapshot at
// most maxFps times a second. The screen, the headless commands and the benchmark all drive
// this same object.

export type {MonitorDeps} from './monitor-deps.ts';

const SERVICES_INTERVAL_MS = 5000;

const MAX_NOTICES = 20;
const LOG_FPS = 4;
const MAX_VERDICT_HISTORY = 500;

export class Monitor {
	readonly config: Config;
	readonly pollers: Record<EngineRole, EnginePoller>;
	readonly logStore: LogStore;
	private readonly engineViews: EngineViews;
	readonly actions: WeightActions;
	readonly timeline: Timeline;
	/** What the overview showed over the last historyMinutes, one frame per poll (stepping back). */
	readonly history: History;
	private readonly watch: TimelineWatch;
	private readonly clock: Clock;
	private readonly published: Publisher<Snapshot>;
	private readonly abort = new AbortController();
	private timers: NodeJS.Timeout[] = [];
	private budget: BudgetState = EMPTY_BUDGET;
	private verdict: Verdict | null = null;
	private readonly verdictHistory: {at: number; overall: Verdict['overall']}[] = [];
	private patterns: PatternRow[] = [];
	private balancerHealth: HealthReading | null = null;
	private readonly weights: WeightsWatch;
	private readonly split: SplitWatch;
	private readonly notices: Notice[] = [];
	private readonly startedAt: number;
	private running = false;
	private services: ServiceView[] = [];
	private automation: (() => AutomationView) | null = null;
	private servicesError: string | null = null;
	private readonly parts: MonitorPart[] = [];

	constructor(private readonly deps: MonitorDeps) {
		// Every poll, sample and stream listens on this one signal: many listeners are expected.
		setMaxListeners(0, this.abort.signal);
		this.config = deps.config;
		this.clock = deps.clock ?? systemClock;
		this.startedAt = this.clock.now();
		this.weights = new WeightsWatch({
			config: this.config,
			proxy: deps.proxy,
			now: () => this.clock.now(),
			// A new stage starts a new budget: failures of the old split say nothing about the new one.
			onChange: () => {
				this.budget = EMPTY_BUDGET;
				this.changed();
			},
			dating: () => this.watch,
		});
		this.pollers = createPollers(this.config, deps, this.clock);
		// Log lines alone redraw at most LOG_FPS times a second: the tail is most of the bytes;
		// they are a log-only publish (a stream's state is shown elsewhere: a full one).
		// Lines logged before the console started are the error patterns' baseline, never NEW.
		this.logStore = new LogStore(this.config.logBuffer, (linesOnly) => this.published.changed(1000 / LOG_FPS, linesOnly), this.startedAt);
		this.engineViews = new EngineViews(this.pollers, this.logStore, this.config);
		this.split = new SplitWatch({
			config: this.config,
			sampler: deps.splitSampler,
			aliases: deps.aliases,
			signal: this.abort.signal,
			now: () => this.clock.now(),
			changed: () => this.changed(),
			notice: (level, text) => this.notice(level, text),
		});
		this.actions = new WeightActions({
			config: this.config,
			proxy: deps.proxy,
			now: () => this.clock.now(),
			current: () => this.weights.configured,
			verdict: () => this.verdict,
			observed: () => this.split.observed,
			sample: (split) => this.split.verify(split),
			onChange: () => this.changed(),
			onApplied: (to) => this.weights.changed(to),
			notice: (level, text) => this.notice(level, text),
			openState: deps.openState,
			audited: (entry) => this.watch.audit(entry),
		});
		this.watch = new TimelineWatch({actions: () => this.actions, now: () => this.clock.now(), changed: () => this.changed(), notice: (level, text) => this.notice(level, text)});
		this.timeline = this.watch.timeline;
		this.history = new History(this.config.historyMinutes, this.config.pollIntervalMs);
		this.published = new Publisher(() => this.build(), this.config.maxFps);
	}

	start(): void {
		if (this.running) return;
		this.running = true;
		for (const role of ENGINE_ROLES) this.deps.logs.follow(role, this.logStore.sink, this.abort.signal);
		this.deps.lifecycle?.watch((event) => {
			this.pollers[event.engine].lifecycle.event(event.kind, event.at, event.exitCode);
			this.deps.stats.stale?.(event.engine);
			this.watch.lifecycle(event);
			this.changed();
		}, this.abort.signal);
		void this.pollAll();
		this.every(this.config.pollIntervalMs, () => this.pollAll());
		if (this.deps.analysisTimer !== false) this.every(this.config.analysisIntervalSec * 1000, () => this.analyse());
		this.every(SERVICES_INTERVAL_MS, () => this.timeline.refresh());
		if (this.deps.services) {
			void this.pollServices();
			this.every(SERVICES_INTERVAL_MS, () => this.pollServices());
		}
		for (const part of this.parts) part.start?.(this.abort.signal, () => this.changed());
		// The first observed split as soon as the balancer answers.
		void this.resample();
		void this.actions.interrupted().then((message) => message && this.notice('error', message));
	}

	async stop(): Promise<void> {
		this.running = false;
		this.abort.abort();
		for (const timer of this.timers) clearInterval(timer);
		this.timers = [];
		this.published.stop();
		this.logStore.close();
		await Promise.all([this.deps.http.close(), this.deps.prometheus?.close?.()]);
	}

	subscribe = (listener: () => void): (() => void) => this.published.subscribe(listener);

	/** A publish whose only news is log lines calls `handler` instead (a full one if it returns false). */
	onLogFrame = (handler: () => boolean): (() => void) => this.published.onLogFrame(handler);

	getSnapshot = (): Snapshot => this.published.get();

	/** Builds a fresh snapshot now, bypassing the frame cap (headless commands). */
	current(): Snapshot {
		return this.published.now();
	}

	/** Waits until a condition on the snapshot holds or the deadline passes. */
	async until(predicate: (snapshot: Snapshot) => boolean, timeoutMs: number): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (predicate(this.current())) return true;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		return predicate(this.current());
	}

	resample(): Promise<void> {
		return this.split.resample();
	}

	/** Records a verdict against the failure budget (every analysis interval). */
	analyse(): Verdict {
		const result = evaluate(this.verdictInput(), this.budget);
		this.budget = result.budget;
		this.verdict = this.queried(result.verdict);
		this.verdictHistory.push({at: result.verdict.at, overall: result.verdict.overall});
		this.watch.verdict(result.verdict);
		this.history.record(this.build());
		if (this.verdictHistory.length > MAX_VERDICT_HISTORY) this.verdictHistory.shift();
		this.changed();
		return this.verdict;
	}

	/**
	 * The verdict on the newest data, shown between analysis ticks. The budget is only counted
	 * on ticks, so a preview never says ROLL BACK: the screen says it in the same poll in which
	 * the window that acts on it (an automatic rollback) is recorded.
	 */
	private preview(): void {
		this.verdict = this.queried(evaluate(this.verdictInput(), this.budget, false).verdict);
	}

	/** With Prometheus as the source, each value's PromQL goes with the verdict. */
	private queried = (verdict: Verdict): Verdict => withQueries(verdict, {stable: this.pollers.stable.remote, canary: this.pollers.canary.remote});

	/** Adds a part polled beside the engines whose checks join the verdict (Redis, drift). */
	attach(part: MonitorPart): void {
		this.parts.push(part);
		if (this.running) part.start?.(this.abort.signal, () => this.changed());
	}

	/** Samples the balancer until it serves `split` or the verify timeout passes. */
	verifySplit: SplitWatch['verify'] = (split) => this.split.verify(split);

	/** Lets the automation loop show its state (soak, budget, auto modes) on screen. */
	attachAutomation(view: () => AutomationView): void {
		this.automation = view;
		this.changed();
	}

	/** Adds a person's note to the timeline and the audit log. */
	note = (text: string) => this.watch.note(text, this.weights.configured, this.clock.now());

	notice(level: Notice['level'], text: string): void {
		this.notices.push({at: this.clock.now(), level, text});
		if (this.notices.length > MAX_NOTICES) this.notices.shift();
		this.changed();
	}

	private every(ms: number, run: () => unknown): void {
		const timer = setInterval(run, ms);
		timer.unref?.();
		this.timers.push(timer);
	}

	private async pollAll(): Promise<void> {
		const signal = this.abort.signal;
		await Promise.all([
			this.pollers.stable.poll(signal),
			this.pollers.canary.poll(signal),
			this.pollBalancer(signal),
			this.weights.read(),
			...this.parts.map((part) => part.poll?.(signal)),
		]);
		if (signal.aborted) return;
		// Patterns over the analysis window: log lines and requests of the same span (which,
		// early on, starts at the first scrape, not a whole window ago).
		const now = this.clock.now();
		const from = Math.max(now - this.config.windowSec * 1000, this.pollers.stable.figuresFrom ?? now, this.pollers.canary.figuresFrom ?? now);
		this.patterns = this.logStore.patterns.rows({
			stableRequests: this.pollers.stable.figures?.requests ?? 0,
			canaryRequests: this.pollers.canary.figures?.requests ?? 0,
			now,
			windowStart: from,
		});
		if (this.pollers.canary.figures || this.pollers.stable.figures) this.preview();
		this.watch.polled({stable: this.pollers.stable.health?.status, canary: this.pollers.canary.health?.status}, this.patterns, now);
		this.history.record(this.build());
		this.changed();
	}

	/** One poll of everything now (what the poll timer runs; tests drive it with their own clock). */
	poll = (): Promise<void> => this.pollAll();

	private async pollServices(): Promise<void> {
		try {
			this.services = await this.deps.services!();
			this.servicesError = null;
			this.watch.services(this.services, this.clock.now());
		} catch (error) {
			this.servicesError = (error as Error).message;
		}
		this.changed();
	}

	private async pollBalancer(signal: AbortSignal): Promise<void> {
		try {
			const result = await this.deps.http.get(`${this.config.urls.balancer}/healthz`, {signal});
			this.balancerHealth = parseHealth(result.status, result.body, result.ms);
		} catch (error) {
			if (signal.aborted) return;
			const failure = error instanceof ProbeError ? error : new ProbeError('error', String(error));
			this.balancerHealth = healthFromFailure(failure.kind, failure.message);
		}
	}

	private verdictInput(): VerdictInput {
		const now = this.clock.now();
		const input = buildVerdictInput({config: this.config, pollers: this.pollers, weights: this.weights, patterns: this.patterns, now});
		return {...input, extraChecks: [...(input.extraChecks ?? []), ...this.parts.flatMap((part) => part.checks?.(now, this.config.windowSec) ?? [])]};
	}

	/** Schedules a snapshot: at most maxFps a second, and no sooner than minInterval after the last. */
	private changed(minInterval = 0): void {
		this.published.changed(minInterval);
	}

	private readonly reused = new Reuse();

	private build(): Snapshot {
		const stable = this.pollers.stable.figures;
		const canary = this.pollers.canary.figures;
		const total = (stable?.requests ?? 0) + (canary?.requests ?? 0);
		const canaryShare = total > 0 ? Math.round(((canary?.requests ?? 0) / total) * 100) : null;
		const stageIndex = this.weights.stageIndex(this.config.stages);
		const action: ActionState = this.actions.state;
		const engines = this.reused.get('engines', {stable: this.engineViews.get('stable'), canary: this.engineViews.get('canary')});
		const split = this.reused.get('split', {
			configured: this.weights.configured,
			configError: this.weights.error,
			observed: this.split.observed,
			sampledAt: this.split.sampledAt,
			sampling: this.split.sampling,
			fromMetrics: canaryShare === null ? null : {stable: 100 - canaryShare, canary: canaryShare},
		});
		return {
			at: this.clock.now(),
			startedAt: this.startedAt,
			runtime: this.deps.runtime,
			services: this.services,
			servicesError: this.servicesError,
			proxy: this.deps.proxy.describe,
			engines,
			balancer: {url: this.config.urls.balancer, health: this.balancerHealth},
			split,
			stage: {
				index: stageIndex,
				of: this.config.stages.length,
				enteredAt: this.weights.enteredAt,
				soakMs: this.config.soakMinutes * 60_000,
			},
			verdict: this.verdict,
			automation: this.automation ? this.automation() : null,
			verdictHistory: this.verdictHistory.slice(),
			patterns: this.patterns,
			logs: this.logStore,
			logVersion: this.logStore.version,
			action,
			notices: this.notices.slice(),
			weightChanges: this.weights.changes,
			timeline: this.timeline.events,
			timelineVersion: this.timeline.version,
			auditPath: this.config.auditPath,
			windowSec: this.config.windowSec,
			historyMinutes: this.config.historyMinutes,
		};
	}
}

