import type {EngineRole} from '../source/core/types.ts';

// Counts the lab engines' background log lines (the logRate fault) as they reach a reader, so
// lines lost between the engine and the reader can be computed from the lines' own timestamps:
// the engine emits floor(rate x elapsed) lines, all of one timer tick stamped with the same
// millisecond, so the lines stamped in (tA, tB] number rate x (tB - tA) / 1000, give or take one.

const TS_PREFIX = '{"timestamp": "';
// Lines stamped alike came from one tick; 23 chars = YYYY-MM-DDTHH:MM:SS.mmm.
const TS_LENGTH = 23;
const MESSAGE_AT = '", "level": "INFO", "logger": "app.main", "message": "';
const BACKGROUND = ['Cache maintenance: evicted', 'Ephemeris segment loaded', 'Redis ping ok', 'Metrics snapshot'];

/** True for a line the lab engine's logRate fault wrote (see source/lab/engine-output.ts). */
export function isBackgroundLine(text: string): boolean {
	if (!text.startsWith(TS_PREFIX)) return false;
	const at = text.indexOf(MESSAGE_AT, TS_PREFIX.length + TS_LENGTH);
	if (at < 0 || at > TS_PREFIX.length + 40) return false;
	const message = at + MESSAGE_AT.length;
	if (text.startsWith('Worker ', message)) return text.indexOf(' heartbeat"', message) > 0;
	for (const prefix of BACKGROUND) if (text.startsWith(prefix, message)) return true;
	return false;
}

/** The line's own timestamp in ms (UTC), or null. */
export function lineTimestampMs(text: string): number | null {
	if (!text.startsWith(TS_PREFIX)) return null;
	const ms = Date.parse(`${text.slice(TS_PREFIX.length, TS_PREFIX.length + TS_LENGTH)}Z`);
	return Number.isFinite(ms) ? ms : null;
}

export interface EngineCount {
	/** Every line received (any kind). */
	total: number;
	/** Background lines with a stamp up to and including `completeTs`. */
	countThrough: number;
	/** The stamp of the newest tick known to be complete (a newer one has started), or null. */
	completeTs: number | null;
}

export class BackgroundCounter {
	private readonly state: Record<EngineRole, {total: number; countThrough: number; completeTs: number | null; currentStamp: string; currentTs: number | null; inCurrent: number}> = {
		stable: {total: 0, countThrough: 0, completeTs: null, currentStamp: '', currentTs: null, inCurrent: 0},
		canary: {total: 0, countThrough: 0, completeTs: null, currentStamp: '', currentTs: null, inCurrent: 0},
	};

	add(engine: EngineRole, text: string): void {
		const s = this.state[engine];
		s.total++;
		if (!isBackgroundLine(text)) return;
		const stamp = text.slice(TS_PREFIX.length, TS_PREFIX.length + TS_LENGTH);
		if (stamp !== s.currentStamp) {
			// A new tick began: the previous one is complete (one pipe keeps the order).
			if (s.currentTs !== null) {
				s.countThrough += s.inCurrent;
				s.completeTs = s.currentTs;
			}
			s.currentStamp = stamp;
			s.currentTs = lineTimestampMs(text);
			s.inCurrent = 0;
		}
		s.inCurrent++;
	}

	snapshot(): Record<EngineRole, EngineCount> {
		const pick = (e: EngineRole) => ({total: this.state[e].total, countThrough: this.state[e].countThrough, completeTs: this.state[e].completeTs});
		return {stable: pick('stable'), canary: pick('canary')};
	}
}

/** Lines lost between two snapshots of one engine at `rate` lines/s (negative: more than expected). */
export function linesLost(a: EngineCount, b: EngineCount, rate: number): {expected: number; received: number; lost: number} | null {
	if (a.completeTs === null || b.completeTs === null || b.completeTs <= a.completeTs) return null;
	const expected = Math.round((rate * (b.completeTs - a.completeTs)) / 1000);
	const received = b.countThrough - a.countThrough;
	const diff = expected - received;
	// floor() on both ends of the window allows one line either way.
	return {expected, received, lost: Math.abs(diff) <= 1 ? 0 : diff};
}
