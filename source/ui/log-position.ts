import type {StoredEvent} from '../core/monitor/log-store.ts';
import type {LogViewState} from '../state/view-state.ts';

// Where a paused log view stands: it stays on the lines it showed while new ones arrive below
// them, and counts those ("+1,234 new"); following again jumps to the newest.

/** The newest line's arrival number; null for an empty list. */
export function newestSeq(events: readonly StoredEvent[]): number | null {
	let newest: number | null = null;
	for (let i = events.length - 1; i >= Math.max(0, events.length - 200); i--) newest = Math.max(newest ?? 0, events[i]!.seq);
	return newest;
}

/** Lines of the list that arrived after `seq` (merged by time, so counted over the whole list). */
function after(events: readonly StoredEvent[], seq: number | null): number {
	if (seq === null) return 0;
	let count = 0;
	for (let i = events.length - 1; i >= 0; i--) if (events[i]!.seq > seq) count++;
	return count;
}

/** The offset from the newest line to show, and the lines that arrived since the pause. */
export function pausedPosition(events: readonly StoredEvent[], logs: LogViewState): {offset: number; fresh: number} {
	if (logs.follow) return {offset: 0, fresh: 0};
	const sinceBase = after(events, logs.base);
	const fresh = logs.since === logs.base ? sinceBase : after(events, logs.since);
	return {offset: Math.min(Math.max(0, events.length - 1), logs.offset + sinceBase), fresh};
}

/** The offset that puts the last line at or before `at` at the bottom of the view. */
export function offsetAt(events: readonly StoredEvent[], at: number): number {
	let low = 0;
	let high = events.length;
	// Lines are merged by time: the first line after `at`.
	while (low < high) {
		const middle = (low + high) >> 1;
		if (events[middle]!.time <= at) low = middle + 1;
		else high = middle;
	}
	return Math.max(0, events.length - Math.max(1, low));
}
