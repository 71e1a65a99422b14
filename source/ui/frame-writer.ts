import {EventEmitter} from 'node:events';
import stringWidth from 'string-width';
import {rowUpdate} from './row-diff.ts';

// Ink's own writer redraws the whole frame on every change (about 25 KB/s for a quiet
// console at 120x40), and its incremental mode leaves stale lines on resize in Ink 6.8.
// Ink renders into this stand-in stream instead (debug mode: one whole frame per write);
// we compare the frame with the one on screen and send only the rows that changed,
// at most maxFps times a second.

const CSI = '\u001B[';
export const ENTER_ALT_SCREEN = `${CSI}?1049h${CSI}?25l${CSI}H${CSI}2J`;
export const LEAVE_ALT_SCREEN = `${CSI}0m${CSI}?25h${CSI}?1049l`;
// Synchronized output: terminals that know it paint the whole update at once; others ignore it.
const BEGIN_SYNC = `${CSI}?2026h`;
const CURSOR_AT = /^\u001B\[(\d+);(\d+)H/;
const END_SYNC = `${CSI}?2026l`;

export interface TerminalOut {
	write(chunk: string): unknown;
	columns?: number;
	rows?: number;
	on?(event: 'resize', listener: () => void): unknown;
	off?(event: 'resize', listener: () => void): unknown;
}

/** What a console may send on average while every row changes (SSH: about 100 kbit/s). */
export const DEFAULT_BYTES_PER_SEC = 13 * 1024;

export class FrameWriter extends EventEmitter {
	private onScreen: string[] = [];
	private pending: string | undefined;
	private latest: string | undefined;
	private resizedAt = 0;
	private timer: NodeJS.Timeout | undefined;
	private lastFlush = 0;
	private readonly minInterval: number;
	private bytes = 0;
	private closed = false;
	/** Until then frames go out at once: the answer to a key press never waits for a frame slot. */
	private urgentUntil = 0;
	// A token bucket over the bytes sent: a log flood that changes every row cannot send more
	// than `byteRate` a second on average (it gets fewer frames, each one complete).
	private readonly byteRate: number;
	private readonly byteBurst: number;
	private tokens: number;
	private refilledAt = Date.now();

	constructor(
		private readonly out: TerminalOut,
		options: {maxFps?: number; bytesPerSec?: number} = {},
	) {
		super();
		this.minInterval = 1000 / (options.maxFps ?? 20);
		this.byteRate = options.bytesPerSec ?? DEFAULT_BYTES_PER_SEC;
		this.byteBurst = this.byteRate;
		this.tokens = this.byteBurst;
		out.on?.('resize', this.onResize);
	}

	get columns(): number {
		return this.out.columns ?? 80;
	}

	get rows(): number {
		return this.out.rows ?? 24;
	}

	/** Updates drawn by scrolling a region of the screen (for the tests). */
	scrolls = 0;

	/** Bytes sent to the terminal so far (for the benchmark and the tests). */
	get bytesWritten(): number {
		return this.bytes;
	}

	/** The newest whole frame given to write(), drawn or waiting for its slot. */
	get lastFrame(): string | undefined {
		return this.closed ? undefined : this.latest;
	}

	/** Called by Ink with a whole frame (and by the log frames, with the last one's log rows replaced). */
	write(frame: string): boolean {
		if (this.closed) return true;
		this.pending = frame;
		this.latest = frame;
		// The first frame goes out at once: a timer could wait behind whatever the start-up
		// does next (the lab's process spawns block the loop for about 100 ms).
		if (this.lastFlush === 0 || Date.now() < this.urgentUntil) this.flush(true);
		else this.schedule();
		return true;
	}

	/**
	 * A key was pressed: frames in the next `ms` are drawn at once instead of at the next frame
	 * slot (up to 1/maxFps later). Under a log flood that is the difference between a screen
	 * that answers in 50 ms and one that answers in 100.
	 */
	expedite(ms = 150): void {
		this.urgentUntil = Date.now() + ms;
	}

	/** Forget what is on screen: the next frame is drawn in full (after a resize or an outside write). */
	invalidate(): void {
		this.onScreen = [];
		this.send(`${CSI}H${CSI}2J`);
	}

	/** Draws any pending frame now, then stops accepting frames. */
	close(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.flush(true);
		this.closed = true;
		this.out.off?.('resize', this.onResize);
	}

	private readonly onResize = (): void => {
		this.resizedAt = Date.now();
		this.invalidate();
		this.emit('resize');
	};

	private schedule(wait = Math.max(0, this.lastFlush + this.minInterval - Date.now())): void {
		if (this.timer) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.flush(false);
		}, wait);
	}

	/** Draws the pending frame; unless `now`, it waits while the byte budget is spent. */
	private flush(now: boolean): void {
		const frame = this.pending;
		if (frame === undefined) return;
		const lines = frame.split('\n');
		// A frame laid out before a resize is wider than the terminal now: drawn, its rows would
		// wrap into the rows below, which the diff then believes it knows. The frame for the new
		// size follows at once.
		if (Date.now() - this.resizedAt < STALE_AFTER_RESIZE_MS && lines.some((line) => stringWidth(line) > this.columns)) {
			this.pending = undefined;
			return;
		}
		// Never draw below the last row: the alternate screen would scroll and tear the frame.
		if (lines.length > this.rows) lines.length = this.rows;
		let update = '';
		let screen = this.onScreen;
		const scroll = findScroll(screen, lines);
		if (scroll) {
			// The terminal moves the rows itself: a scroll region over them and line feeds at its
			// bottom (DECSTBM + LF: xterm, tmux, screen and the Linux console all honour it).
			// Attributes reset first, so the rows it scrolls in are blank without a background.
			const {top, bottom, by} = scroll;
			update += `${CSI}0m${CSI}${top + 1};${bottom + 1}r${CSI}${bottom + 1};1H${'\n'.repeat(by)}${CSI}r`;
			screen = scrolled(screen, scroll);
		}
		let written = -2;
		for (let row = 0; row < Math.max(lines.length, screen.length); row++) {
			const line = lines[row];
			if (line === screen[row]) continue;
			// Only the cells that changed; a whole row is erased before it is written (erasing
			// after a line that fills the row would also erase its last cell), with attributes
			// reset first so the erase never paints a background colour.
			let piece = rowUpdate(row, screen[row], line ?? '');
			// The row right below the last one written: a carriage return and a line feed reach
			// it in 2 bytes instead of a 8-byte cursor address (no scroll region is set here, and
			// the row is never the last one, so the line feed cannot scroll).
			if (piece !== '' && written === row - 1) piece = piece.replace(CURSOR_AT, (_, _row, column: string) => (column === '1' ? '\r\n' : `\r\n${CSI}${Number(column) - 1}C`));
			if (piece !== '') written = row;
			update += piece;
		}
		const size = update === '' ? 0 : Buffer.byteLength(update) + BEGIN_SYNC.length + END_SYNC.length;
		const clock = Date.now();
		this.tokens = Math.min(this.byteBurst, this.tokens + ((clock - this.refilledAt) * this.byteRate) / 1000);
		this.refilledAt = clock;
		// A frame larger than the whole burst goes out once the bucket is full, never waits forever.
		const need = Math.min(size, this.byteBurst);
		if (!now && need > this.tokens) {
			this.schedule(Math.max(this.minInterval, ((need - this.tokens) * 1000) / this.byteRate));
			return;
		}
		this.pending = undefined;
		this.lastFlush = clock;
		this.tokens -= size;
		if (scroll) this.scrolls++;
		this.onScreen = lines;
		if (update !== '') this.send(BEGIN_SYNC + update + END_SYNC);
	}

	private send(text: string): void {
		this.bytes += Buffer.byteLength(text);
		this.out.write(text);
	}
}

const STALE_AFTER_RESIZE_MS = 1000;

export interface Scroll {
	/** First and last row of the scroll region (0-based, inclusive). */
	top: number;
	bottom: number;
	/** Rows the region moves up. */
	by: number;
}

// Scrolling pays from this many rows it saves writing (the escape sequence is about 20 bytes).
const MIN_SAVED_ROWS = 2;

/**
 * The scroll that turns most of `before` into `after`: a run of rows where each new row equals
 * the old row `by` rows below it, and which would otherwise have to be written. Only what the
 * two frames prove: rows are compared whole, so anything else (a dialog over the rows, a resize,
 * a changed line) is left to the row diff.
 */
export function findScroll(before: readonly string[], after: readonly string[]): Scroll | null {
	const rows = Math.min(before.length, after.length);
	if (rows < 2) return null;
	// Where each line stood before: candidates for `by` are the distances to rows below.
	const at = new Map<string, number[]>();
	for (let row = 0; row < rows; row++) {
		const list = at.get(before[row]!);
		if (list) list.push(row);
		else at.set(before[row]!, [row]);
	}
	const votes = new Map<number, number>();
	for (let row = 0; row < rows; row++) {
		if (after[row] === before[row]) continue;
		for (const old of at.get(after[row]!) ?? []) {
			if (old > row) votes.set(old - row, (votes.get(old - row) ?? 0) + 1);
		}
	}
	let best: Scroll | null = null;
	let bestSaved = MIN_SAVED_ROWS - 1;
	for (const [by, count] of votes) {
		if (count <= bestSaved) continue;
		// Runs of rows with after[row] === before[row + by]; a run saves its changed rows.
		let start = -1;
		let saved = 0;
		for (let row = 0; row <= rows - by; row++) {
			const match = row < rows - by && after[row] === before[row + by];
			if (match) {
				if (start < 0) start = row;
				if (after[row] !== before[row]) saved++;
				continue;
			}
			if (start >= 0 && saved > bestSaved) {
				bestSaved = saved;
				best = {top: start, bottom: row - 1 + by, by};
			}
			start = -1;
			saved = 0;
		}
	}
	return best;
}

/** What the screen holds after the scroll: the region's rows moved up, blank rows below them. */
function scrolled(screen: readonly string[], {top, bottom, by}: Scroll): string[] {
	const next = screen.slice();
	for (let row = top; row <= bottom; row++) next[row] = row + by <= bottom ? screen[row + by]! : '';
	return next;
}
