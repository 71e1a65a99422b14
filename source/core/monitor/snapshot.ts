import type {EngineRole, ResourceReading, RuntimeInfo} from '../types.ts';
import type {HealthReading, Verdict, WindowFigures} from '../../domain/figures.ts';
import type {Split} from '../../domain/upstream.ts';
import type {ProbeStatus, SeriesPoint} from './engine-poller.ts';
import type {SplitSample} from '../change/split-sample.ts';
import type {StreamState} from './log-store.ts';
import type {LogView} from './log-view.ts';
import type {PatternRow} from '../../domain/error-diff.ts';
import type {LifecycleWindow} from '../../domain/lifecycle.ts';
import type {ActionState, Notice} from '../change/action-state.ts';
import type {TimelineEvent} from './timeline.ts';

export type {ActionKind, ActionState, Notice, StepView} from '../change/action-state.ts';

// What the screen, `status --json` and the report read: plain data, replaced (never
// mutated) at most maxFps times a second.

export interface EngineView {
	role: EngineRole;
	url: string;
	probe: ProbeStatus;
	health: HealthReading | null;
	figures: WindowFigures | null;
	resources: ResourceReading | null;
	resourcesError: string | null;
	series: readonly SeriesPoint[];
	logs: StreamState & {dropped: number};
	/** Exits and OOM kills in the analysis window. */
	lifecycle: LifecycleWindow;
	/**
	 * What the card says about the engine: its health, or what the runtime did to it
	 * ("OOM killed", "crash loop", "restarting"): never "healthy" for an engine that keeps dying.
	 */
	condition: string;
	/** Each replica when the role runs more than one (absent for one). */
	replicas?: ReplicaCard[];
}

/** One replica's own figures on its role's card and in `status --json`. */
export interface ReplicaCard {
	id: string;
	requests: number | null;
	p95Ms: number | null;
	ratio5xx: number | null;
	memPercent: number | null;
	restarts: number | null;
	health: string;
	/** Why its last scrape failed, or null. */
	problem: string | null;
	/** Far from its siblings (outliers.ts): the reason, or null. */
	outlier: string | null;
}

/** One container of the deployment, for the services strip. */
export interface ServiceView {
	name: string;
	found: boolean;
	state: string;
	health: 'healthy' | 'unhealthy' | 'starting' | 'none';
	restarts: number;
	/** Something wrong beyond the state, e.g. nginx reading a detached config file. */
	problem?: string;
}

/** What the automation loop shows: its modes, the soak countdown and what it last did. */
export interface AutomationView {
	autoRollback: boolean;
	autoPromote: boolean;
	soakRemainingMs: number;
	readyToPromote: boolean;
	consecutiveFails: number;
	failureBudget: number;
	promotionHeld: string | null;
	lastAction: {kind: string; at: number; outcome: string; reason: string} | null;
}

export interface Snapshot {
	at: number;
	startedAt: number;
	runtime: RuntimeInfo;
	services: readonly ServiceView[];
	servicesError: string | null;
	proxy: string;
	engines: Record<EngineRole, EngineView>;
	balancer: {url: string; health: HealthReading | null};
	split: {
		configured: Split | null;
		configError: string | null;
		observed: SplitSample | null;
		sampledAt: number | null;
		sampling: boolean;
		/** Canary share of requests in the window, from the engines' own counters. */
		fromMetrics: Split | null;
	};
	stage: {index: number | null; of: number; enteredAt: number; soakMs: number};
	verdict: Verdict | null;
	automation: AutomationView | null;
	verdictHistory: readonly {at: number; overall: Verdict['overall']}[];
	patterns: readonly PatternRow[];
	/** The kept log lines, read-only; logVersion moves whenever they change. */
	logs: LogView;
	logVersion: number;
	action: ActionState;
	notices: readonly Notice[];
	/** Times the configured weights changed (markers on the sparklines). */
	weightChanges: readonly number[];
	/** The deployment's timeline, oldest first (timelineVersion moves when it changes). */
	timeline: readonly TimelineEvent[];
	timelineVersion: number;
	auditPath: string;
	windowSec: number;
	historyMinutes: number;
}
