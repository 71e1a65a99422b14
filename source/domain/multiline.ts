// Joins plain-text Python tracebacks and Node stack traces into one RawLine, per engine.
// A line that could head such a block (an error line) is held until the next line shows
// whether a trace follows; the caller flushes held lines after a short time (pendingSince).
import type {RawLine} from './engine.ts';

const TRACEBACK = 'Traceback (most recent call last):';
const CHAIN = /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/;
const NODE_ERROR = /^(?:Uncaught )?(?:[A-Z][\w.]*)?(?:Error|Exception)(?:\s*\[[\w-]+\])?:/;
const NODE_FRAME = /^\s+at \S/;
// Lines worth holding back: an error that a traceback may follow ("ERROR:    Exception in
// ASGI application", logging.exception's message). Everything else passes at once.
const MAY_HEAD = /error|exception|fatal|critical|panic|fail/i;

/** Bounds one joined event: a runaway trace is cut into several events, never unbounded. */
const MAX_LINES = 1000;
const MAX_CHARS = 64 * 1024;

type Mode = 'head' | 'python' | 'python-end' | 'chain' | 'node';

interface Pending {
	lines: RawLine[];
	chars: number;
	mode: Mode;
	since: number;
}

type Stream = RawLine['stream'];

export class MultilineJoiner {
	private readonly pending = new Map<Stream, Pending>();

	/** Feeds one line; returns the events completed by it, in order. */
	push(line: RawLine, now: number = line.time): RawLine[] {
		const out: RawLine[] = [];
		const current = this.pending.get(line.stream);
		if (current) {
			if (this.continues(current, line.text) && current.lines.length < MAX_LINES && current.chars + line.text.length <= MAX_CHARS) {
				current.lines.push(line);
				current.chars += line.text.length + 1;
				return out;
			}
			this.pending.delete(line.stream);
			out.push(join(current.lines));
		}
		const mode = startMode(line.text);
		if (mode) this.pending.set(line.stream, {lines: [line], chars: line.text.length, mode, since: now});
		else out.push(line);
		return out;
	}

	/** Emits everything held (end of stream, or the caller's time-out). */
	flush(): RawLine[] {
		const out = [...this.pending.values()].sort((a, b) => a.since - b.since).map((p) => join(p.lines));
		this.pending.clear();
		return out;
	}

	/** Emits what has been held for at least maxAgeMs. */
	flushOlderThan(now: number, maxAgeMs: number): RawLine[] {
		const out: RawLine[] = [];
		for (const [stream, p] of this.pending) {
			if (now - p.since >= maxAgeMs) {
				out.push(join(p.lines));
				this.pending.delete(stream);
			}
		}
		return out;
	}

	/** When the oldest held line arrived (the `now` given to push), or null. */
	pendingSince(): number | null {
		let since: number | null = null;
		for (const p of this.pending.values()) if (since === null || p.since < since) since = p.since;
		return since;
	}

	// Decides whether text belongs to the held block, moving its state along.
	private continues(p: Pending, text: string): boolean {
		switch (p.mode) {
			case 'head':
				if (text.startsWith(TRACEBACK)) {
					p.mode = 'python';
					return true;
				}
				if (NODE_FRAME.test(text)) {
					p.mode = 'node';
					return true;
				}
				return false;
			case 'python':
				if (/^\s/.test(text)) return true;
				if (text.trim() === '') return true;
				if (text.startsWith('{')) return false;
				// The first unindented line names the exception: the traceback ends here unless chained.
				p.mode = 'python-end';
				return true;
			case 'python-end':
				if (text.trim() === '') return true;
				if (CHAIN.test(text.trim())) {
					p.mode = 'chain';
					return true;
				}
				return false;
			case 'chain':
				// Only after "During handling..." does another traceback belong to this one.
				if (text.trim() === '') return true;
				if (text.startsWith(TRACEBACK)) {
					p.mode = 'python';
					return true;
				}
				return false;
			case 'node':
				return NODE_FRAME.test(text) || /^\s+(\.\.\.|\[cause\]|[\w$]+:)/.test(text);
		}
	}
}

function startMode(text: string): Mode | null {
	if (text.startsWith(TRACEBACK)) return 'python';
	if (text.startsWith('{')) return null;
	if (NODE_ERROR.test(text) || MAY_HEAD.test(text)) return 'head';
	return null;
}

function join(lines: RawLine[]): RawLine {
	if (lines.length === 1) return lines[0];
	let end = lines.length;
	while (end > 1 && lines[end - 1].text.trim() === '') end--;
	const first = lines[0];
	return {engine: first.engine, stream: first.stream, time: first.time, text: lines.slice(0, end).map((l) => l.text).join('\n')};
}
