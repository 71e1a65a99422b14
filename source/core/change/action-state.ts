// Where a weight change stands, as the screen shows it (the snapshot carries it), and the
// notices the flow leaves for the user.

import type {Split} from '../../domain/upstream.ts';

export type ActionKind = 'promote' | 'rollback' | 'set' | 'undo';

export interface StepView {
	name: string;
	state: 'running' | 'done' | 'failed' | 'skipped';
	message: string;
}

export type ActionState =
	| {phase: 'idle'}
	| {phase: 'confirm'; kind: ActionKind; from: Split; to: Split; diff: string[]; automatic: boolean}
	| {phase: 'applying'; kind: ActionKind; from: Split; to: Split; steps: StepView[]}
	| {phase: 'done'; kind: ActionKind; from: Split; to: Split; steps: StepView[]; outcome: string; message: string; restartOffered: boolean; diff?: string[]}
	| {phase: 'confirm-restart'; message: string};

export interface Notice {
	at: number;
	level: 'info' | 'warn' | 'error';
	text: string;
}
