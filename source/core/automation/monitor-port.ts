// The Monitor as the automation loop and the gate need it: a real Monitor in the console and
// on the lab, a typed fake in tests. Nothing here knows how the verdicts are made.

import type {Config} from '../../config.ts';
import type {Verdict} from '../../domain/figures.ts';
import type {Split} from '../../domain/upstream.ts';
import type {ApplyResult} from '../change/apply-steps.ts';
import type {ActionKind, ActionState, Notice, Snapshot} from '../monitor/snapshot.ts';
import type {TimelineEvent} from '../monitor/timeline.ts';

/** What the automation reads of a snapshot. */
export type AutomationSnapshot = Pick<Snapshot, 'split' | 'stage' | 'action' | 'notices' | 'verdictHistory'>;

/** The weight flow, driven as the b and p keys drive it: request, then confirm. */
export interface AutomationActions {
	readonly busy: boolean;
	readonly state: ActionState;
	request(kind: ActionKind, to?: Split, options?: {automatic?: boolean; reason?: string}): Promise<ActionState>;
	/** Runs the confirmed change; null when nothing was waiting for confirmation. */
	confirm(): Promise<Pick<ApplyResult, 'outcome' | 'message'> | null>;
}

export interface AutomatedMonitor {
	readonly config: Config;
	readonly actions: AutomationActions;
	/** Records one verdict window (against the failure budget) and returns it. */
	analyse(): Verdict;
	/** A snapshot made now. */
	current(): AutomationSnapshot;
	/** The last published snapshot. */
	getSnapshot(): AutomationSnapshot;
	/** Called after every publish; returns the unsubscribe. */
	subscribe(listener: () => void): () => void;
	notice(level: Notice['level'], text: string): void;
	/** The deployment's timeline: notes added here go to the webhooks. */
	readonly timeline?: {onAdd(listener: (event: TimelineEvent) => void): () => void};
}

/** The gate also starts the Monitor and prints its whole final snapshot. */
export interface GatedMonitor extends AutomatedMonitor {
	start(): void;
	current(): Snapshot;
}
