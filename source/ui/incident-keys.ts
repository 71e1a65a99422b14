import type {ScreenMonitor} from '../core/monitor/screen-port.ts';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import type {LogView} from '../core/monitor/log-view.ts';
import type {StoredEvent} from '../core/monitor/log-store.ts';
import type {LogViewState, ViewAction, ViewState} from '../state/view-state.ts';
import {newestSeq, offsetAt, pausedPosition} from './log-position.ts';
import {historyNote} from './log-model.ts';

// What the timeline's keys and the paused log view do, kept out of the App's key switch.

type Dispatch = (action: ViewAction) => void;

const notKept = (logs: LogView) => logs.notKept('stable') + logs.notKept('canary');

/** When an engine exited or was OOM-killed, for the charts' marker row. */
export function exitTimes(timeline: Snapshot['timeline']): number[] {
	return timeline.filter((event) => event.kind === 'lifecycle' && !event.text.endsWith(' started')).map((event) => event.at);
}

/** A paused view counts from its newest line again before moving, so keys act on the lines shown. */
export function rebasePaused(logs: LogViewState, events: readonly StoredEvent[], dispatch: Dispatch): void {
	if (!logs.follow) dispatch({type: 'rebase', offset: pausedPosition(events, logs).offset, seq: newestSeq(events)});
}

/** `B`: the bundle is written in the background; its path and size show below when done. */
export function writeBundle(save: ((snapshot: Snapshot) => Promise<string>) | undefined, snapshot: Snapshot, dispatch: Dispatch, commit: () => void): void {
	if (!save) return dispatch({type: 'message', text: 'no bundle here: the console was started without a state directory to write it to'});
	dispatch({type: 'message', text: 'writing the incident bundle...'});
	save(snapshot).then(
		(text) => (dispatch({type: 'message', text}), commit()),
		(error: Error) => (dispatch({type: 'message', text: `bundle not written: ${error.message}`}), commit()),
	);
}

/** `a`, then enter: the note goes to the timeline and the audit log; the outcome shows below. */
export function addNote(monitor: ScreenMonitor, text: string, dispatch: Dispatch, commit: () => void): void {
	dispatch({type: 'prompt-close'});
	monitor.note(text).then(
		(result) => (dispatch({type: 'message', text: result.ok ? 'note added to the timeline' : result.message}), commit()),
		(error: Error) => (dispatch({type: 'message', text: `note not added: ${error.message}`}), commit()),
	);
}

/** `enter` on a timeline event: the logs, paused at that moment. */
export function openEventLogs(snapshot: Snapshot, state: ViewState, events: readonly StoredEvent[], dispatch: Dispatch): void {
	const event = snapshot.timeline.at(state.selection.timeline);
	if (!event) return;
	dispatch({type: 'view', view: 'logs'});
	dispatch({type: 'jump', offset: offsetAt(events, event.at), pause: true});
	dispatch({type: 'message', text: `logs at ${new Date(event.at).toTimeString().slice(0, 8)}: ${event.text.slice(0, 60)}`});
}

/** A view that stopped following remembers where, to stay on its lines and count the new ones. */
export function markPause(logs: LogViewState, events: () => readonly StoredEvent[], store: LogView, dispatch: Dispatch): void {
	if (!logs.follow && logs.since === null) dispatch({type: 'paused-at', seq: newestSeq(events()), notKept: notKept(store)});
}

/** The logs view's title after the filters: following, or paused with the new lines and what the bound dropped. */
export function followText(events: readonly StoredEvent[], logs: LogViewState, store: LogView): string {
	if (logs.follow) return ` following${historyNote(store)}`;
	const fresh = pausedPosition(events, logs).fresh;
	const lost = notKept(store) - logs.notKeptAtPause;
	const bound = lost > 0 ? `  ${lost.toLocaleString('en-US')} older lines dropped since the pause (history ${(store.history * 2).toLocaleString('en-US')} lines)` : historyNote(store);
	return ` paused${fresh > 0 ? `  +${fresh.toLocaleString('en-US')} new (f: follow)` : ''}${bound}`;
}
