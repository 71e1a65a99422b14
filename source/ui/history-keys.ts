import type {Command} from '../keymap.ts';
import type {HistoryFrame} from '../core/monitor/history.ts';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import type {StoredEvent} from '../core/monitor/log-store.ts';
import type {ViewAction, ViewState} from '../state/view-state.ts';
import {offsetAt} from './log-position.ts';
import {clock} from './format.ts';

// Stepping the overview back and forth through the last hour, and what the screen says while it
// shows a past moment. The data comes from the Monitor's history (core/monitor/history.ts).

type Dispatch = (action: ViewAction) => void;

/** What the screen reads of the history. */
export interface HistoryReader {
	at(at: number): HistoryFrame | null;
	readonly oldest: number | null;
}

const STEPS: Partial<Record<Command, number>> = {
	'history-back': -30_000,
	'history-forward': 30_000,
	'history-back-far': -5 * 60_000,
	'history-forward-far': 5 * 60_000,
};

/** The step a history key moves, in ms; undefined for other commands. */
export const historyStep = (command: Command): number | undefined => STEPS[command];

/** "at 11:42:05, 12 min ago": the moment a panel shows while the view is not live. */
export function pastLabel(at: number, now: number): string {
	const seconds = Math.max(0, Math.round((now - at) / 1000));
	return `at ${clock(at)}, ${seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min`} ago`;
}

/**
 * The snapshot as the overview showed it at `at`: cards, split, verdict, patterns and stage from
 * the history; everything else (logs, timeline, the chart series) stays live.
 */
export function snapshotAt(live: Snapshot, frame: HistoryFrame | null): Snapshot {
	if (!frame) return live;
	return {...live, at: frame.at, engines: frame.engines, split: frame.split, verdict: frame.verdict, patterns: frame.patterns, stage: frame.stage, automation: frame.automation};
}

/** What the screen shows for the moment `at` (null: live): the snapshot of then, and the panels' label. */
export function pastView(at: number | null, live: Snapshot, history: HistoryReader | undefined): {shown: Snapshot; past?: {label: string; at: number; live: Snapshot['engines']}} {
	// A moment that aged out while shown: the oldest one still kept.
	const frame = at === null || !history ? null : (history.at(at) ?? (history.oldest === null ? null : history.at(history.oldest)));
	if (!frame) return {shown: live};
	return {shown: snapshotAt(live, frame), past: {label: pastLabel(frame.at, live.at), at: frame.at, live: live.engines}};
}

/** The logs view opened while the overview shows a past moment: paused at that moment. */
export function openLogsAt(at: number, events: readonly StoredEvent[], dispatch: Dispatch): void {
	dispatch({type: 'view', view: 'logs'});
	const oldest = events[0];
	dispatch({type: 'jump', offset: offsetAt(events, at), pause: true});
	if (!oldest) return dispatch({type: 'message', text: `logs at ${clock(at)}: no line kept`});
	if (oldest.time > at) {
		return dispatch({type: 'message', text: `logs at ${clock(at)}: older than the oldest kept line (${clock(oldest.time)}); showing from there`});
	}
	dispatch({type: 'message', text: `logs at ${clock(at)} (f: follow the newest)`});
}

/**
 * The history's keys, and `2` while a past moment shows (the logs open at it). True when the
 * command was one of them.
 */
export function runHistory(command: Command, state: ViewState, now: number, history: HistoryReader | undefined, logEvents: () => readonly StoredEvent[], dispatch: Dispatch): boolean {
	const by = historyStep(command);
	if (by !== undefined) {
		if (!history) dispatch({type: 'message', text: 'no history here'});
		else dispatch({type: 'history-step', by, now, oldest: history.oldest});
		return true;
	}
	if (command === 'live') {
		dispatch({type: 'live'});
		return true;
	}
	if (command === 'view-logs' && state.at !== null && state.view !== 'logs') {
		openLogsAt(history?.at(state.at)?.at ?? state.at, logEvents(), dispatch);
		return true;
	}
	return false;
}
