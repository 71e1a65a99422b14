// Lines written by the engines minus lines received by the console, taken exactly: the console
// reports `received` once a second at time T; lines keep coming (requests, polls), so the
// engines' count is read around T. Every line written up to T - settle has reached the console
// by T unless it was lost, and none written after T can be in `received`, so
//   written(T - settle) - received(T) <= lost <= written(T) - received(T),
// which is exact when no line was written in between.

export interface Reading {
	/** Date.now() when the request went out and when its answer came: the count is from in between. */
	from: number;
	to: number;
	written: number;
}

export interface Offset {
	low: number;
	high: number;
	exact: boolean;
}

/** The bracket for one console record, or null when the readings do not surround it. */
export function offsetAt(readings: Reading[], record: {at: number; received: number}, settleMs: number): Offset | null {
	let before: Reading | null = null;
	let after: Reading | null = null;
	for (const r of readings) {
		if (r.to <= record.at - settleMs && (before === null || r.to > before.to)) before = r;
		if (r.from >= record.at && (after === null || r.from < after.from)) after = r;
	}
	if (before === null || after === null) return null;
	return {low: before.written - record.received, high: after.written - record.received, exact: before.written === after.written};
}

/**
 * Lines lost between two offsets (the first taken before the phase, the second after it):
 * exact when both are; otherwise the lines certainly lost (the bracket's low end), with the
 * most that could have been lost beside it.
 */
export function lostBetween(start: Offset, end: Offset): {lost: number; most: number; exact: boolean} {
	const low = end.low - start.high;
	const high = end.high - start.low;
	return {lost: Math.max(0, low), most: Math.max(0, high), exact: low === high};
}
