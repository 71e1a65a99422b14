// LogSource for the lab: the engine child processes' stdout and stderr, split into lines
// (across chunk boundaries, with a bound on a line that never ends), delivered in batches,
// with a gap marker when an engine restarts, as the Docker source does after a restart.

import type {Readable} from 'node:stream';
import type {EngineRole, LogGap, LogSink, LogSource, RawLine} from '../core/types.ts';

/** A longer line is cut here, so a child that never writes '\n' cannot grow our memory. */
export const MAX_LINE = 64 * 1024;

export interface LabLogs extends LogSource {
	/** Reads one child's output for `engine` until the streams end. */
	attach(engine: EngineRole, streams: {stdout: Readable | null; stderr: Readable | null}, replica?: string): void;
	/** The engine is down (e.g. killed for a restart): followers see 'waiting'. */
	detached(engine: EngineRole, message?: string): void;
	gap(gap: LogGap): void;
}

interface Follower {
	engine: EngineRole;
	sink: LogSink;
}

/** Splits a byte stream into lines; keeps the unfinished tail for the next chunk. */
export function createLineSplitter(onLines: (lines: string[]) => void, maxLine = MAX_LINE): {push(chunk: string): void; end(): void} {
	let carry = '';
	return {
		push(chunk) {
			const parts = (carry + chunk).split('\n');
			carry = parts.pop() ?? '';
			if (carry.length > maxLine) {
				parts.push(carry.slice(0, maxLine));
				carry = '';
			}
			const lines = parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)).map((line) => (line.length > maxLine ? line.slice(0, maxLine) : line));
			if (lines.length > 0) onLines(lines);
		},
		end() {
			if (carry !== '') onLines([carry]);
			carry = '';
		},
	};
}

/**
 * `tail` lines per engine are kept and replayed to a new follower, like `docker logs
 * --tail N --follow`, so a console attached after start still sees the startup lines.
 */
export function createLabLogs(options: {tail?: number; now?: () => number} = {}): LabLogs {
	const tail = options.tail ?? 100;
	const now = options.now ?? Date.now;
	const followers = new Set<Follower>();
	const recent: Record<EngineRole, RawLine[]> = {stable: [], canary: []};
	const attached: Record<EngineRole, boolean> = {stable: false, canary: false};

	function deliver(engine: EngineRole, batch: RawLine[]): void {
		const ring = recent[engine];
		ring.push(...batch);
		if (ring.length > tail) ring.splice(0, ring.length - tail);
		for (const f of followers) if (f.engine === engine) f.sink.lines(batch);
	}

	function status(engine: EngineRole, state: 'attached' | 'waiting' | 'failed', message?: string): void {
		for (const f of followers) if (f.engine === engine) f.sink.status(engine, state, message);
	}

	return {
		follow(engine, sink, signal) {
			if (signal.aborted) return;
			const follower = {engine, sink};
			followers.add(follower);
			signal.addEventListener('abort', () => followers.delete(follower), {once: true});
			sink.status(engine, attached[engine] ? 'attached' : 'waiting');
			if (recent[engine].length > 0) sink.lines([...recent[engine]]);
		},
		attach(engine, streams, replica) {
			attached[engine] = true;
			status(engine, 'attached');
			for (const stream of ['stdout', 'stderr'] as const) {
				const readable = streams[stream];
				if (!readable) continue;
				readable.setEncoding('utf8');
				const splitter = createLineSplitter((lines) => {
					const time = now();
					deliver(engine, lines.map((text): RawLine => (replica ? {engine, stream, time, text, replica} : {engine, stream, time, text})));
				});
				readable.on('data', (chunk: string) => splitter.push(chunk));
				readable.on('end', () => splitter.end());
				readable.on('error', () => splitter.end());
			}
		},
		detached(engine, message) {
			attached[engine] = false;
			status(engine, 'waiting', message);
		},
		gap(gap) {
			for (const f of followers) if (f.engine === gap.engine) f.sink.gap(gap);
		},
	};
}
