// Turning Docker's followed log bytes into lines: timestamp prefixes, chunk boundaries and the
// resume cursor that makes a reattach neither repeat nor lose a line.

import {StringDecoder} from 'node:string_decoder';

/** Longest partial line kept while waiting for its newline; longer text is cut into a line. */
export const MAX_PARTIAL = 64 * 1024;

export interface StampedLine {
	/** Nanoseconds since the epoch from Docker's RFC3339Nano prefix, or null without one. */
	ns: bigint | null;
	/** The same time in milliseconds (null without a prefix). */
	ms: number | null;
	text: string;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

// Consecutive lines almost always share their second: its parse is kept, and a line in the
// same second is read without the regex (per line they were a regex match, a Date.parse and
// BigInt arithmetic: profiled among the Docker path's largest costs at 10,000 lines/s).
let lastPrefix = '';
let lastSecondMs = 0;
let lastSecondNs = 0n;

/** Splits "2025-11-27T11:33:42.208690662Z text" into nanoseconds and text. */
export function parseStamp(line: string): StampedLine {
	if (lastPrefix !== '' && line.startsWith(lastPrefix)) {
		// "...:42" then ".208690662Z " or "Z ": the fraction's digits, read in place.
		let at = lastPrefix.length;
		let fraction = 0;
		let digits = 0;
		if (line.charCodeAt(at) === 0x2e) {
			at++;
			for (let code = line.charCodeAt(at); code >= 0x30 && code <= 0x39 && digits < 9; code = line.charCodeAt(++at)) {
				fraction = fraction * 10 + (code - 0x30);
				digits++;
			}
			if (digits === 0) return parseStampSlow(line);
		}
		if (line.charCodeAt(at) === 0x5a && line.charCodeAt(at + 1) === 0x20) {
			for (; digits < 9; digits++) fraction *= 10;
			return {ns: lastSecondNs + BigInt(fraction), ms: lastSecondMs + Math.floor(fraction / 1_000_000), text: line.slice(at + 2)};
		}
	}
	return parseStampSlow(line);
}

function parseStampSlow(line: string): StampedLine {
	const m = STAMP.exec(line);
	if (!m) return {ns: null, ms: null, text: line};
	const seconds = Date.parse(`${m[1]}${m[3]}`);
	if (Number.isNaN(seconds)) return {ns: null, ms: null, text: line};
	// Docker writes UTC ("Z"): that second's prefix is what the fast path matches.
	if (m[3] === 'Z') {
		lastPrefix = m[1]!;
		lastSecondMs = seconds;
		lastSecondNs = BigInt(seconds) * 1_000_000n;
	}
	const fraction = (m[2] ?? '').padEnd(9, '0');
	return {ns: BigInt(seconds) * 1_000_000n + BigInt(fraction), ms: seconds + Number(fraction.slice(0, 3)), text: line.slice(m[0].length)};
}

export function nsToMs(ns: bigint): number {
	return Number(ns / 1_000_000n);
}

/** Docker's `since` parameter: "seconds.nanoseconds" (inclusive). */
export function nsToSince(ns: bigint): string {
	return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

/**
 * Splits Docker's multiplexed log stream (8-byte headers: stream type, 3 zero bytes, payload
 * length) into stdout and stderr payloads. dockerode's demuxStream copies the whole rest of its
 * buffer after every header and every payload (quadratic in the frames per chunk: at 10,000
 * lines/s most of the console's Docker cost, profiled); this one walks each chunk with an
 * offset and hands out views into it. A stream that is not multiplexed after all (a header with
 * an unknown stream type) is passed through as stdout from there on, as demuxStream does.
 */
export class FrameDemuxer {
	private pending: Buffer | null = null;
	private raw = false;

	constructor(
		private readonly stdout: (payload: Buffer) => void,
		private readonly stderr: (payload: Buffer) => void,
	) {}

	push(chunk: Buffer): void {
		if (this.raw) return this.stdout(chunk);
		let data = chunk;
		if (this.pending) {
			data = Buffer.concat([this.pending, chunk]);
			this.pending = null;
		}
		let at = 0;
		while (data.length - at >= 8) {
			const type = data[at]!;
			if (type > 2) {
				this.raw = true;
				this.stdout(data.subarray(at));
				return;
			}
			const length = data.readUInt32BE(at + 4);
			if (data.length - at - 8 < length) break;
			const payload = data.subarray(at + 8, at + 8 + length);
			if (type === 2) this.stderr(payload);
			else this.stdout(payload);
			at += 8 + length;
		}
		// A frame cut by the chunk boundary waits for the rest (copied: the chunk is released).
		if (at < data.length) this.pending = Buffer.from(data.subarray(at));
	}
}

/**
 * Reassembles lines from the payloads of one stream (stdout or stderr): a line may be split
 * across chunks and a chunk may hold many lines. Bounded: a partial line never exceeds MAX_PARTIAL.
 */
export class LineSplitter {
	private partial = '';
	// Docker frames cut through multi-byte characters: decode across chunk boundaries.
	private readonly decoder = new StringDecoder('utf8');

	constructor(private readonly onLine: (line: string) => void) {}

	push(chunk: Buffer | string): void {
		let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
		let start = 0;
		for (;;) {
			const nl = text.indexOf('\n', start);
			if (nl < 0) break;
			this.onLine(stripCr(text.slice(start, nl)));
			start = nl + 1;
		}
		text = text.slice(start);
		while (text.length > MAX_PARTIAL) {
			this.onLine(text.slice(0, MAX_PARTIAL));
			text = text.slice(MAX_PARTIAL);
		}
		this.partial = text;
	}

	/** The stream ended: a last line without its newline is still a line. */
	end(): void {
		this.partial += this.decoder.end();
		if (this.partial) this.onLine(stripCr(this.partial));
		this.partial = '';
	}
}

function stripCr(line: string): string {
	return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Remembers the newest timestamp delivered and the lines carrying exactly that timestamp.
 * Docker's `since` is inclusive, so a resumed stream repeats the boundary lines: they are
 * recognised by timestamp and content and dropped, everything older is dropped, newer passes.
 * Only while replaying, though: the daemon stamps stdout and stderr lines in two copiers and
 * writes them in the order they reach its log file, so in a live stream a stderr line can carry
 * an older timestamp than the stdout line before it (a few hundred in 40,000 lines written
 * alternately, measured). Such a line is new; dropping it as a repeat lost lines.
 */
export class ResumeCursor {
	last: bigint | null = null;
	private atLast = new Map<string, number>();

	/** True when the line is new (and records it); false for a repeat from before the cursor. */
	accept(ns: bigint | null, key: string): boolean {
		if (ns === null) return true;
		if (this.last !== null) {
			// A resumed stream starts at the cursor (Docker filters older lines out): an older one
			// while replaying is a repeat; later in the stream, it is one of the lines stamped out of order.
			if (ns < this.last) return !this.replaying;
			if (ns === this.last) {
				this.recordPending();
				const seen = this.atLast.get(key) ?? 0;
				if (seen > 0 && this.replaying) {
					this.atLast.set(key, seen - 1);
					this.replayed.set(key, (this.replayed.get(key) ?? 0) + 1);
					return false;
				}
				this.record(key);
				return true;
			}
		}
		this.last = ns;
		// Cleared, not replaced: a new timestamp comes with nearly every line. Its key goes into
		// the map only when a second line with the same timestamp (or a reattach) needs it.
		if (this.atLast.size > 0) this.atLast.clear();
		if (this.replayed.size > 0) this.replayed.clear();
		this.replaying = false;
		this.unrecorded = key;
		return true;
	}

	private unrecorded: string | null = null;

	private recordPending(): void {
		if (this.unrecorded === null) return;
		this.record(this.unrecorded);
		this.unrecorded = null;
	}

	private replaying = false;
	private replayed = new Map<string, number>();

	/** A new stream starts from the cursor: its first lines at the cursor are the repeats. */
	resume(): void {
		this.recordPending();
		// Lines given back by a previous replay count again as seen for the next one.
		for (const [key, n] of this.replayed) this.atLast.set(key, (this.atLast.get(key) ?? 0) + n);
		this.replayed = new Map();
		this.replaying = true;
	}

	/** Docker's `since` for the next stream, or undefined before any timestamped line. */
	since(): string | undefined {
		return this.last === null ? undefined : nsToSince(this.last);
	}

	private record(key: string): void {
		// Bounded: a burst of identical timestamps (coarse clocks) cannot grow this without end.
		if (this.atLast.size >= 10_000) return;
		this.atLast.set(key, (this.atLast.get(key) ?? 0) + 1);
	}
}
