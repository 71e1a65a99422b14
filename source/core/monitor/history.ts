import type {EngineRole} from '../types.ts';
import {Ring} from '../../domain/ring.ts';
import type {EngineView, Snapshot} from './snapshot.ts';
import {packCards, unpackCards, type PackedCards} from './history-cards.ts';

// The last hour (historyMinutes) of what the overview showed, one frame per poll: the cards,
// the split, the verdict table of that moment, the top error patterns, the stage. A fixed-size
// ring, so memory stays flat however long the console runs: the capacity is the polls in the
// span, and a frame holds no log lines, no example lines and no chart series (those live in
// their own bounded stores), only figures of a fixed shape, sharing with the frame before it
// whatever did not change. Measured: 9.3 MB for an hour at the default 2 s poll with every
// figure, verdict value and reason changing every poll (test/history.test.ts holds it under
// HISTORY_BYTES_PER_HOUR); a steady deployment costs less. Replica cards are kept packed
// (history-cards.ts): 5+5 replicas whose figures all change every poll add about 2 MB an hour
// (11.3 MB in all, measured the same way).

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

/** Error patterns kept per frame: the overview shows three. */
export const HISTORY_PATTERNS = 5;
/** A pattern's template kept up to this many characters (the overview cuts it at the screen's width). */
const TEMPLATE_MAX = 400;

/** The bound test/history.test.ts holds the store under, at the default 2 s poll (1,800 frames). */
export const HISTORY_BYTES_PER_HOUR = 12 * 1024 * 1024;

const NO_SERIES: EngineView['series'] = Object.freeze([]) as EngineView['series'];

/** A frame as the ring keeps it: the engine views without their replica cards, which are packed beside them. */
interface KeptFrame extends HistoryFrame {
	cards: Record<EngineRole, PackedCards | null>;
}

export class History {
	private readonly frames: Ring<KeptFrame>;
	/** The last engine view stored per role, its copy without series and its packed cards: unchanged views share one. */
	private readonly stripped = new Map<EngineRole, {from: EngineView; view: EngineView; cards: PackedCards | null}>();
	/** The frame `at` last answered, as kept and as given: the screen asks for the same moment several times a second. */
	private lastRead: {kept: KeptFrame; frame: HistoryFrame} | null = null;
	/** Each pattern's template as last kept, so frames share one string per pattern. */
	private templates = new Map<string, {from: string; kept: string}>();
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
		const stable = this.strip(snapshot.engines.stable);
		const canary = this.strip(snapshot.engines.canary);
		const fresh: KeptFrame = {
			at: snapshot.at,
			engines: {stable: stable.view, canary: canary.view},
			cards: {stable: stable.cards, canary: canary.cards},
			split: snapshot.split,
			verdict: snapshot.verdict,
			patterns: this.patterns(snapshot.patterns),
			stage: snapshot.stage,
			automation: snapshot.automation,
		};
		// What did not change since the last frame is that frame's: labels, thresholds, a health reading.
		const frame = share(last, fresh, 0);
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
		return low === 0 ? null : this.unpacked(this.frames.at(low - 1)!);
	}

	/** The kept frame with its replica cards back on the engine views (the same object while it is asked for again). */
	private unpacked(kept: KeptFrame): HistoryFrame {
		if (this.lastRead?.kept === kept) return this.lastRead.frame;
		const {cards, ...rest} = kept;
		const engine = (role: EngineRole): EngineView => {
			const packed = cards[role];
			return packed ? {...kept.engines[role], replicas: unpackCards(packed)} : kept.engines[role];
		};
		const frame: HistoryFrame = cards.stable || cards.canary ? {...rest, engines: {stable: engine('stable'), canary: engine('canary')}} : rest;
		this.lastRead = {kept, frame};
		return frame;
	}

	/**
	 * The top patterns without their example line (up to 16 KB each, and only the errors view
	 * shows it) and with the template cut to a flat copy: a frame never holds a log line alive.
	 */
	private patterns(rows: Snapshot['patterns']): Snapshot['patterns'] {
		const templates = new Map<string, {from: string; kept: string}>();
		const out = rows.slice(0, HISTORY_PATTERNS).map((row) => {
			const known = this.templates.get(row.id);
			const kept = known && known.from === row.template ? known : {from: row.template, kept: flat(row.template.slice(0, TEMPLATE_MAX))};
			templates.set(row.id, kept);
			return {...row, template: kept.kept, example: ''};
		});
		this.templates = templates;
		return out;
	}

	private strip(view: EngineView): {view: EngineView; cards: PackedCards | null} {
		const kept = this.stripped.get(view.role);
		if (kept && kept.from === view) return kept;
		const cards = view.replicas ? packCards(view.replicas) : null;
		let copy: EngineView;
		if (cards) {
			const {replicas: _packed, ...rest} = view;
			copy = {...rest, series: NO_SERIES};
		} else copy = {...view, series: NO_SERIES};
		const stripped = {from: view, view: copy, cards};
		this.stripped.set(view.role, stripped);
		return stripped;
	}
}

/** A copy of `text` that shares no memory with the string it was cut from. */
function flat(text: string): string {
	return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * `next`, with every part equal to the same part of `prev` replaced by prev's (strings too):
 * consecutive frames share what did not change, so a frame costs what changed in it.
 */
function share<T>(prev: unknown, next: T, depth: number): T {
	// Equal strings are different objects: keep the one already held.
	if (prev === next) return prev as T;
	if (prev === undefined || prev === null || next === null || typeof next !== 'object' || typeof prev !== 'object' || depth > 8 || Array.isArray(prev) !== Array.isArray(next)) return next;
	const before = prev as Record<string, unknown>;
	if (Array.isArray(next)) {
		const out = next.map((item, index) => share(before[index], item, depth + 1));
		return (out.length === (prev as unknown[]).length && out.every((item, index) => item === before[index]) ? prev : out) as T;
	}
	const out: Record<string, unknown> = {};
	let same = Object.keys(before).length === Object.keys(next).length;
	for (const [key, value] of Object.entries(next)) {
		out[key] = share(before[key], value, depth + 1);
		if (out[key] !== before[key]) same = false;
	}
	return (same ? prev : out) as T;
}
