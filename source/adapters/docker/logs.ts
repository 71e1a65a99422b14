import {Readable} from 'node:stream';
import type Docker from 'dockerode';
import type {EngineRole, LogGap, LogSink, LogSource, RawLine} from '../../core/types.ts';
import {clockTime, describeDockerError, endpointOf, isNotFound, isUnreachable} from './connect.ts';
import {FrameDemuxer, LineSplitter, parseStamp, ResumeCursor} from './log-lines.ts';
import {ContainerEvents} from './events.ts';

export interface DockerLogOptions {
	/** Lines of history on the first attach (default 100). */
	tail?: number;
	/** Only history from this time on (ms since epoch) on the first attach. */
	since?: number;
	/**
	 * Batch size (default 500 lines), and how long a batch waits for more lines: by default
	 * (0) until the lines of the socket read at hand are split, as the lab delivers a pipe's
	 * chunk; the daemon sends each line in a chunk of its own, so a timer here only made every
	 * line of a quiet log wait (a 50 ms timer: the newest line 256 ms late against 250).
	 */
	flushMs?: number;
	maxBatch?: number;
}

/** "engine-canary restarted 12:01:03, 2.1 s gap" */
export function describeGap(gap: LogGap): string {
	const length = gap.gapMs === null ? '' : `, ${(gap.gapMs / 1000).toFixed(1)} s gap`;
	return `${gap.reason} ${clockTime(gap.at)}${length}`;
}

/** A gap waiting for the first line of the new run (or GAP_WAIT_MS) to be placed. */
interface GapMarker {
	pending: {gap: LogGap; stoppedAt: number | null} | null;
}

const GAP_WAIT_MS = 2000;

interface Attached {
	id: string;
	startedAt: number | null;
	finishedAt: number | null;
	running: boolean;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function parseTime(value: string | undefined): number | null {
	if (!value || value === ZERO_TIME) return null;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? null : ms;
}

/**
 * Follows the engines' container logs. A followed Docker log stream ends silently when the
 * container stops (docker/cli#3426), so each follow is a loop: attach, read to the end, wait for
 * the container to come back (events, with polling as the fallback), resume from the last
 * timestamp. Never throws: problems become statuses.
 */
export function createDockerLogSource(docker: Docker, names: Record<EngineRole, string>, options: DockerLogOptions = {}, events = new ContainerEvents(docker)): LogSource & {interrupt(): void} {
	const endpoint = endpointOf(docker);
	// The streams being read now: interrupt() closes them (their host stopped answering), and
	// each follow loop then attaches again from its last line, as after a container restart.
	const open = new Set<{destroy?: () => void}>();
	return {
		follow(engine, sink, signal) {
			void followLoop(engine, names[engine], sink, signal).catch((error: unknown) => {
				sink.status(engine, 'failed', `log follower stopped: ${describeDockerError(error, endpoint)}`);
			});
		},
		interrupt() {
			for (const stream of open) stream.destroy?.();
			open.clear();
		},
	};

	async function followLoop(engine: EngineRole, name: string, sink: LogSink, signal: AbortSignal): Promise<void> {
		const cursor = new ResumeCursor();
		const firstAttachSince = options.since;
		// The run (container id + start) whose log we last read to its end, and the last run we
		// saw running: a gap is a change of the running run.
		let readTo: Attached | null = null;
		let lastRunning: Attached | null = null;
		let lostAt: number | null = null;
		let lastStatus = '';
		let unreachableSince: number | null = null;
		let backoff = 250;
		let first = true;
		const status = (state: 'attached' | 'waiting' | 'failed', message?: string) => {
			const key = `${state}:${message ?? ''}`;
			if (key === lastStatus) return;
			lastStatus = key;
			sink.status(engine, state, message);
		};
		const marker: GapMarker = {pending: null};
		const unsubscribe = events.watch(name, signal);
		try {
			while (!signal.aborted) {
				let info: Docker.ContainerInspectInfo | null;
				try {
					info = await docker.getContainer(name).inspect();
				} catch (error) {
					if (isNotFound(error)) {
						info = null;
					} else {
						unreachableSince ??= Date.now();
						const detail = describeDockerError(error, endpoint);
						status('failed', isUnreachable(error) ? `Docker unreachable since ${clockTime(unreachableSince)}: ${detail}` : detail);
						await events.wait(name, backoff, signal);
						backoff = Math.min(backoff * 2, 5000);
						continue;
					}
				}
				backoff = 250;
				const wasUnreachable = unreachableSince;
				unreachableSince = null;
				if (!info) {
					status('waiting', `container ${name} not found; waiting`);
					await events.wait(name, 1000, signal);
					continue;
				}
				const current: Attached = {
					id: info.Id,
					startedAt: parseTime(info.State.StartedAt),
					finishedAt: parseTime(info.State.FinishedAt),
					running: info.State.Running,
				};
				const fresh = readTo === null || readTo.id !== current.id || readTo.startedAt !== current.startedAt;
				if (!fresh && !current.running) {
					// Stopped and already read to its end: wait for it to start again.
					status('waiting', `container ${name} is ${info.State.Status}; waiting`);
					await events.wait(name, 1000, signal);
					continue;
				}
				if (current.running && lastRunning && (lastRunning.id !== current.id || lastRunning.startedAt !== current.startedAt)) {
					const recreated = lastRunning.id !== current.id;
					const finished = current.finishedAt !== null && current.finishedAt >= (lastRunning.startedAt ?? 0) ? current.finishedAt : null;
					const stoppedAt = (recreated ? null : finished) ?? lostAt;
					const at = current.startedAt ?? Date.now();
					marker.pending = {gap: {engine, at, gapMs: stoppedAt === null ? null : Math.max(0, at - stoppedAt), reason: `${name} ${recreated ? 'recreated' : 'restarted'}`}, stoppedAt};
					lostAt = null;
				} else if (current.running && lastRunning && wasUnreachable !== null) {
					marker.pending = {gap: {engine, at: wasUnreachable, gapMs: Date.now() - wasUnreachable, reason: `${name} log stream reconnected`}, stoppedAt: null};
					lostAt = null;
				}
				if (current.running) lastRunning = current;
				if (!current.running) status('waiting', `container ${name} is ${info.State.Status}; waiting`);
				const tty = info.Config.Tty;
				const since = cursor.since() ?? (first && firstAttachSince !== undefined ? String(firstAttachSince / 1000) : undefined);
				const tail = first && options.tail !== undefined ? options.tail : first ? 100 : undefined;
				cursor.resume();
				readTo = current;
				// A stopped or only created container is read to its end, not followed: a follow opened before
				// it starts would run on into the new run and hide the restart from this loop.
				const endedOk = await pump(engine, name, tty, {since, tail, follow: current.running}, cursor, sink, signal, marker, () => {
					if (current.running) status('attached');
				});
				first = false;
				if (current.running) lostAt = Date.now();
				// The stream broke rather than ended: find out why on the next round. A short pause
				// either way, so a container that is going down is not re-read in a tight loop.
				await events.wait(name, endedOk ? 100 : backoff, signal);
			}
		} finally {
			unsubscribe();
		}
	}

	/** Reads one followed log stream to its end. Resolves false when it broke with an error. */
	async function pump(
		engine: EngineRole,
		name: string,
		tty: boolean,
		range: {since?: string; tail?: number; follow: boolean},
		cursor: ResumeCursor,
		sink: LogSink,
		signal: AbortSignal,
		marker: GapMarker,
		onOpen: () => void,
	): Promise<boolean> {
		const flushMs = options.flushMs ?? 0;
		const maxBatch = options.maxBatch ?? 500;
		let batch: RawLine[] = [];
		let timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
		const later = flushMs > 0 ? () => setTimeout(flush, flushMs) : () => setImmediate(flush);
		const flush = () => {
			if (timer) {
				if (flushMs > 0) clearTimeout(timer as NodeJS.Timeout);
				else clearImmediate(timer as NodeJS.Immediate);
			}
			timer = null;
			if (batch.length === 0) return;
			const out = batch;
			batch = [];
			sink.lines(out);
		};
		// The marker goes in right before the first line of the new run: lines the old run wrote
		// before it died arrive on this stream too (it resumes from the last timestamp), and they
		// belong before the marker. The gap then runs from the stop to that first line: what the
		// log really missed, not the few ms between Docker's stop and start.
		let lastTime: number | null = null;
		const placeGap = (firstNew: number | null) => {
			const pending = marker.pending;
			if (!pending) return;
			marker.pending = null;
			if (gapTimer) clearTimeout(gapTimer);
			flush();
			const {gap, stoppedAt} = pending;
			const from = stoppedAt === null ? null : Math.max(stoppedAt, lastTime ?? stoppedAt);
			const to = Math.max(firstNew ?? gap.at, gap.at);
			sink.gap({...gap, gapMs: from === null ? gap.gapMs : Math.max(0, to - from)});
		};
		// A run that writes nothing for a while still gets its marker.
		const gapTimer: NodeJS.Timeout | null = marker.pending ? setTimeout(() => placeGap(null), GAP_WAIT_MS) : null;
		const lineOf = (stream: 'stdout' | 'stderr') => (raw: string) => {
			const {ns, ms, text} = parseStamp(raw);
			if (!cursor.accept(ns, `${stream}\u0000${text}`)) return;
			const time = ms ?? Date.now();
			if (marker.pending && time >= marker.pending.gap.at) placeGap(time);
			lastTime = time;
			batch.push({engine, stream, time, text});
			if (batch.length >= maxBatch) flush();
			else timer ??= later();
		};
		const out = new LineSplitter(lineOf('stdout'));
		const err = new LineSplitter(lineOf('stderr'));
		const query: Record<string, unknown> = {follow: range.follow, stdout: true, stderr: true, timestamps: true};
		if (range.since !== undefined) query.since = range.since;
		if (range.tail !== undefined) query.tail = range.tail;
		let stream: NodeJS.ReadableStream;
		try {
			const result = (await docker.getContainer(name).logs(query as unknown as Docker.ContainerLogsOptions & {follow: true})) as unknown;
			// Without follow, dockerode hands back the whole body as one Buffer.
			stream = Buffer.isBuffer(result) ? Readable.from([result]) : (result as NodeJS.ReadableStream);
		} catch (error) {
			if (!isNotFound(error)) sink.status(engine, 'failed', describeDockerError(error, endpoint));
			return false;
		}
		onOpen();
		const handle = stream as unknown as {destroy?: () => void};
		open.add(handle);
		return new Promise<boolean>((resolve) => {
			let done = false;
			const finish = (ok: boolean) => {
				if (done) return;
				done = true;
				open.delete(handle);
				signal.removeEventListener('abort', onAbort);
				out.end();
				err.end();
				flush();
				placeGap(null);
				resolve(ok);
			};
			const onAbort = () => {
				(stream as unknown as {destroy?: () => void}).destroy?.();
				finish(true);
			};
			signal.addEventListener('abort', onAbort, {once: true});
			if (tty) stream.on('data', (chunk: Buffer) => out.push(chunk));
			else {
				const demuxer = new FrameDemuxer((payload) => out.push(payload), (payload) => err.push(payload));
				stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
			}
			stream.on('end', () => finish(true));
			stream.on('close', () => finish(true));
			stream.on('error', () => finish(false));
			if (signal.aborted) onAbort();
		});
	}
}
