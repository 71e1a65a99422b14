import {importInkOutput} from './ink-output-module.ts';

// Ink 6.8 tokenizes every line of the frame and measures every character again on every
// frame: its caches live inside one Output object, which lives one frame. Profiling the
// console put ANSI tokenizing and string-width at a third of its CPU. This swaps in caches
// that live across frames and keep only what the last two frames used, so unique log lines
// cannot grow them without bound, and joins rows of texts directly where it can.

interface StyledChar {
	value: string;
}

interface OutputLike {
	caches: unknown;
	width: number;
	height: number;
	operations: Operation[];
}

type Operation =
	| {type: 'write'; x: number; y: number; text: string; transformers: Array<(line: string, index: number) => string>}
	| {type: 'clip' | 'unclip'};

interface Segment {
	x: number;
	text: string;
	width: number;
}

/**
 * Ink composes a frame cell by cell: every line is tokenized into styled characters, laid into
 * a grid and turned back into a string, on every frame. The console's screens are rows of
 * single-line texts side by side, so each row can be joined from its texts directly. Returns
 * null (and Ink's own path runs) for anything else: clipping, or texts that overlap.
 */
function composeRows(output: OutputLike, width: (text: string) => number): {output: string; height: number} | null {
	const rows: Segment[][] = Array.from({length: output.height}, () => []);
	for (const operation of output.operations) {
		if (operation.type !== 'write') return null;
		const lines = operation.text.split('\n');
		for (let index = 0; index < lines.length; index++) {
			const y = operation.y + index;
			if (y < 0 || y >= output.height) continue;
			let line = lines[index]!;
			for (const transformer of operation.transformers) line = transformer(line, index);
			if (line === '') continue;
			rows[y]!.push({x: operation.x, text: line, width: width(line)});
		}
	}
	const out: string[] = [];
	for (const segments of rows) {
		segments.sort((a, b) => a.x - b.x);
		let column = 0;
		let text = '';
		for (const segment of segments) {
			if (segment.x < column) return null;
			text += ' '.repeat(segment.x - column) + segment.text;
			column = segment.x + segment.width;
		}
		out.push(text.trimEnd());
	}
	return {output: out.join('\n'), height: output.height};
}

type Compute<V> = (key: string) => V;

/** Two generations: entries not used in the previous or the current frame are dropped. */
class FrameCache<V> {
	private current = new Map<string, V>();
	private previous = new Map<string, V>();

	get(key: string, compute: Compute<V>): V {
		let value = this.current.get(key);
		if (value !== undefined) return value;
		value = this.previous.get(key);
		if (value === undefined) value = compute(key);
		this.current.set(key, value);
		return value;
	}

	nextFrame(): void {
		this.previous = this.current;
		this.current = new Map();
	}

	get size(): number {
		return this.current.size + this.previous.size;
	}
}

export interface SharedCaches {
	frames: number;
	/** Frames Ink composed itself because they had clipping or overlapping texts. */
	fallbacks: number;
	size(): number;
}

let installed: SharedCaches | null = null;

/**
 * Patches Ink's Output so every frame uses long-lived caches. Idempotent; resolves to null
 * when this Ink has a different Output (the patch then does nothing and Ink works as shipped).
 */
export async function installOutputCache(): Promise<SharedCaches | null> {
	if (installed) return installed;
	const outputModule = (await importInkOutput()) as {default: {prototype: {get: (...args: unknown[]) => unknown}}};
	const Output = outputModule.default;
	const probe = Object.getOwnPropertyNames(new (Output as unknown as new (o: {width: number; height: number}) => OutputLike)({width: 1, height: 1}));
	if (typeof Output?.prototype?.get !== 'function' || !probe.includes('caches')) return null;
	const original = new (Output as unknown as new (o: {width: number; height: number}) => OutputLike)({width: 1, height: 1}).caches as {
		getStyledChars(line: string): StyledChar[];
		getStringWidth(text: string): number;
		getWidestLine(text: string): number;
	};
	const styled = new FrameCache<StyledChar[]>();
	const widths = new FrameCache<number>();
	const blocks = new FrameCache<number>();
	const shared = {
		getStyledChars: (line: string) => styled.get(line, (key) => original.getStyledChars.call({styledChars: new Map()}, key)),
		getStringWidth: (text: string) => widths.get(text, (key) => original.getStringWidth.call({widths: new Map()}, key)),
		getWidestLine: (text: string) => blocks.get(text, (key) => original.getWidestLine.call({blockWidths: new Map(), getStringWidth: shared.getStringWidth}, key)),
	};
	const state: SharedCaches = {frames: 0, fallbacks: 0, size: () => styled.size + widths.size + blocks.size};
	const get = Output.prototype.get;
	Output.prototype.get = function (this: OutputLike, ...args: unknown[]) {
		this.caches = shared;
		state.frames++;
		try {
			const fast = composeRows(this, shared.getStringWidth);
			if (fast) return fast;
			state.fallbacks++;
			return get.apply(this, args);
		} finally {
			styled.nextFrame();
			widths.nextFrame();
			blocks.nextFrame();
		}
	};
	installed = state;
	return state;
}
