import type {EngineRole} from '../types.ts';
import {Ring} from '../../domain/ring.ts';
import type {EngineView, Snapshot} from './snapshot.ts';

// The last hour (historyMinutes) of what the overview showed, one frame per poll: the cards,
// the split, the verdict table of that moment, the top error patterns, the stage. A fixed-size
// ring, so memory stays flat however long the console runs: the capacity is the polls in the
// span, and a frame holds no log lines and no chart series (those live in their own bounded
// stores), only figures of a fixed shape. The measured cost is in README (about 4 MB an hour
// at the default 2 s poll; test/history.test.ts holds it under HISTORY_BYTES_PER_HOUR).

/** What one frame keeps of a snapshot: enough to draw the overview as it was. */
export interface HistoryFrame {
	at: number;
	engines: Record<EngineRole, EngineView>;
	split: Snapshot['split'];
	verdict: Snapshot['verdict'];
	patterns: Snapshot['patterns'];
	stage: Snapshot['stage'];
	automation: Snapshot['automation'];
}

/** Error patterns kept per frame: the overview shows at most a handful. */
export const HISTORY_PATTERNS = 10;

/** The bound test/history.test.ts holds the store under, at the default 2 s poll (1,800 frames). */
export const HISTORY_BYTES_PER_HOUR = 8 * 1024 * 1024;

const NO_SERIES: EngineView['series'] = Object.freeze([]) as EngineView['series'];

export class History {
	private readonly frames: Ring<HistoryFrame>;
	/** The last engine view stored per role, and its copy without series: unchanged views share one. */
	private readonly stripped = new Map<EngineRole, {from: EngineView; view: EngineView}>();
	readonly spanMs: number;

	constructor(minutes: number, private readonly stepMs: number) {
		this.spanMs = minutes * 60_000;
		// One frame per poll over the span, and one more so the oldest moment is still there.
		this.frames = new Ring(Math.max(2, Math.ceil(this.spanMs / Math.max(1, stepMs)) + 1));
	}

	get length(): number {
		return this.frames.length;
	}

	get capacity(): number {
		return this.frames.capacity;
	}

	/** The oldest moment a step back can reach; null before the first frame. */
	get oldest(): number | null {
		return this.frames.at(0)?.at ?? null;
	}

	get newest(): number | null {
		return this.frames.at(-1)?.at ?? null;
	}

	/** Keeps what the overview shows now. A frame within half a poll of the last replaces it (a verdict counted after the poll). */
	record(snapshot: Pick<Snapshot, keyof HistoryFrame>): void {
		const last = this.frames.at(-1);
		const same = last !== undefined && snapshot.at - last.at < this.stepMs / 2;
		const frame: HistoryFrame = {
			at: snapshot.at,
			engines: {stable: this.strip(snapshot.engines.stable), canary: this.strip(snapshot.engines.canary)},
			split: snapshot.split,
			verdict: snapshot.verdict,
			patterns: snapshot.patterns.length > HISTORY_PATTERNS ? snapshot.patterns.slice(0, HISTORY_PATTERNS) : snapshot.patterns,
			stage: snapshot.stage,
			automation: snapshot.automation,
		};
		if (same) this.frames.replaceNewest(frame);
		else this.frames.push(frame);
	}

	/** The frame the screen showed at `at`: the newest one at or before it; null before the first. */
	at(at: number): HistoryFrame | null {
		let low = 0;
		let high = this.frames.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (this.frames.at(middle)!.at <= at) low = middle + 1;
			else high = middle;
		}
		return low === 0 ? null : this.frames.at(low - 1)!;
	}

	private strip(view: EngineView): EngineView {
		const kept = this.stripped.get(view.role);
		if (kept && kept.from === view) return kept.view;
		const copy = {...view, series: NO_SERIES};
		this.stripped.set(view.role, {from: view, view: copy});
		return copy;
	}
}
