import type {EngineRole, LogGap, LogSink, RawLine} from '../types.ts';
import {Ring} from '../../domain/ring.ts';
import {MultilineJoiner} from '../../domain/multiline.ts';
import {formatTime, parseLogLine, type LogEvent} from '../../domain/log-parse.ts';
import {sanitizeForTerminal} from '../../domain/sanitize.ts';
import {TemplateMiner} from '../../domain/drain.ts';
import {ErrorPatternTable} from '../../domain/error-diff.ts';

// Log ingestion: raw lines -> multi-line events -> parsed, sanitized events in a ring per
// engine; WARN and worse also go through the template miner into the pattern table.
// All of it happens as batches arrive, never on the render path.

export interface StoredEvent extends LogEvent {
	/** Arrival order across both engines. */
	seq: number;
	/** Set on gap markers: the stream broke here. */
	gap?: string;
	/** Template id for WARN and worse. */
	templateId?: string;
}

export interface StreamState {
	state: 'attached' | 'waiting' | 'failed' | 'starting';
	message: string | null;
}

const WARN_LEVELS = new Set(['WARN', 'ERROR', 'FATAL']);
// A traceback's lines arrive together; a pending one older than this is complete.
const MULTILINE_FLUSH_MS = 300;

export class LogStore {
	readonly rings: Record<EngineRole, Ring<StoredEvent>>;
	readonly streams: Record<EngineRole, StreamState> = {
		stable: {state: 'starting', message: null},
		canary: {state: 'starting', message: null},
	};
	readonly miner = new TemplateMiner();
	readonly patterns: ErrorPatternTable;
	/** Incremented on every change so views know when to recompute. */
	version = 0;
	received = 0;
	private seq = 0;
	private readonly failed: Record<EngineRole, number> = {stable: 0, canary: 0};
	private readonly joiners: Record<EngineRole, MultilineJoiner> = {
		stable: new MultilineJoiner(),
		canary: new MultilineJoiner(),
	};
	private flushTimer: NodeJS.Timeout | undefined;

	/** @param since lines older than this (ms since epoch) are the error patterns' baseline. */
	constructor(
		capacity: number,
		/** `linesOnly`: the change is lines (and their counts), not a stream's state. */
		private readonly onChange: (linesOnly: boolean) => void,
		since = 0,
	) {
		this.rings = {stable: new Ring(capacity), canary: new Ring(capacity)};
		this.patterns = new ErrorPatternTable(500, since);
	}

	readonly sink: LogSink = {
		lines: (batch) => this.ingest(batch),
		gap: (gap) => this.addGap(gap),
		status: (engine, state, message) => {
			this.streams[engine] = {state, message: message === undefined ? null : sanitizeForTerminal(message)};
			this.changed(false);
		},
	};

	/**
	 * Lines of this engine that aged out of the bounded history: received and shown in their
	 * time, no longer kept. Not a loss: "older lines not kept", never "dropped".
	 */
	notKept(engine: EngineRole): number {
		return this.rings[engine].dropped;
	}

	/** Lines kept per engine at most (the history). */
	get history(): number {
		return this.rings.stable.capacity;
	}

	/** Lines of this engine the console received but failed to read (an error, with its count). */
	dropped(engine: EngineRole): number {
		return this.failed[engine];
	}

	close(): void {
		if (this.flushTimer) clearTimeout(this.flushTimer);
	}

	private ingest(batch: RawLine[]): void {
		this.received += batch.length;
		for (const line of batch) {
			// One line the parser or the miner chokes on costs that line, counted, never the batch.
			try {
				for (const complete of this.joiners[line.engine].push(line)) this.store(complete);
			} catch {
				this.failed[line.engine]++;
			}
		}
		this.scheduleFlush();
		this.changed();
	}

	private scheduleFlush(): void {
		if (this.flushTimer) return;
		this.flushTimer = setTimeout(() => {
			this.flushTimer = undefined;
			let pending = false;
			for (const engine of ['stable', 'canary'] as const) {
				const joiner = this.joiners[engine];
				const since = joiner.pendingSince();
				if (since === null) continue;
				if (Date.now() - since >= MULTILINE_FLUSH_MS) {
					for (const complete of joiner.flush()) this.store(complete);
					this.changed();
				} else {
					pending = true;
				}
			}
			if (pending) this.scheduleFlush();
		}, MULTILINE_FLUSH_MS);
		this.flushTimer.unref?.();
	}

	private store(line: RawLine): void {
		const parsed = parseLogLine(line);
		// A literal with every field, not a spread: a spread copy costs about 350 B more per
		// event (measured), and the rings hold 40,000 of them.
		const event: StoredEvent = {
			seq: ++this.seq,
			engine: parsed.engine,
			replica: parsed.replica,
			stream: parsed.stream,
			time: parsed.time,
			level: parsed.level,
			message: sanitizeForTerminal(parsed.message),
			detail: parsed.detail,
			exception: parsed.exception,
			raw: parsed.raw,
			templateId: undefined,
		};
		if (event.level && WARN_LEVELS.has(event.level)) {
			const key = event.exception ? `${event.message} ${lastLine(event.exception)}` : event.message;
			const template = this.miner.add(key);
			event.templateId = template.id;
			this.patterns.add(event, template.id, template.template);
		}
		this.rings[line.engine].push(event);
	}

	private addGap(gap: LogGap): void {
		const seconds = gap.gapMs === null ? '' : `, ${(gap.gapMs / 1000).toFixed(1)} s gap`;
		const text = `${sanitizeForTerminal(gap.reason)} ${formatTime(gap.at).slice(0, 8)}${seconds}`;
		this.rings[gap.engine].push({
			engine: gap.engine,
			stream: 'stderr',
			time: gap.at,
			level: null,
			message: text,
			detail: '',
			exception: null,
			raw: text,
			seq: ++this.seq,
			templateId: undefined,
			gap: text,
		});
		this.changed();
	}

	private changed(linesOnly = true): void {
		this.version++;
		this.onChange(linesOnly);
	}
}

function lastLine(text: string): string {
	const lines = text.trimEnd().split('\n');
	return lines.at(-1) ?? '';
}
