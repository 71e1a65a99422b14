// The Monitor as the screen sees it: snapshots to read, the weight flow to drive, start and
// stop. The UI takes this type, never the Monitor class; a real Monitor fits it.

import type {WeightActions} from '../change/weight-actions.ts';
import type {Monitor} from './monitor.ts';
import type {History} from './history.ts';

export type ScreenActions = Pick<
	WeightActions,
	'busy' | 'state' | 'stateDir' | 'audit' | 'request' | 'confirm' | 'cancel' | 'requestRestart' | 'confirmRestart' | 'settle'
>;

export interface ScreenMonitor extends Pick<Monitor, 'config' | 'getSnapshot' | 'subscribe' | 'resample' | 'start' | 'stop' | 'note' | 'timeline'> {
	readonly actions: ScreenActions;
	/** The last hour of the overview, for stepping back (absent: the keys say there is none). */
	readonly history?: Pick<History, 'at' | 'oldest'>;
	/** Frames that bring log lines only, drawn by the screen itself (absent: every frame renders). */
	readonly onLogFrame?: Monitor['onLogFrame'];
}
