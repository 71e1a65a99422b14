// One raw line (or a joined multi-line block) -> a structured event. The engine writes one
// JSON object per line; uvicorn and other services write plain text. Never throws.
import type {EngineRole, RawLine} from './engine.ts';
import {sanitizeForTerminal} from './sanitize.ts';

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
export const LEVELS: readonly Level[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

export interface LogEvent {
	/** Arrival order, assigned by whoever stores the event. */
	seq?: number;
	engine: EngineRole;
	/** The replica that wrote it (S1, C2, ...) when a role runs more than one. */
	replica?: string;
	stream: 'stdout' | 'stderr';
	/** ms since epoch: the JSON timestamp when valid, else the source's time. */
	time: number;
	level: Level | null;
	message: string;
	/**
	 * The other JSON keys as the view shows them, `key=value` joined by spaces (logger
	 * included); '' for plain text. One string, not an object: the rings hold 40,000 events.
	 */
	detail: string;
	/** A traceback or stack trace, when the event carries one. */
	exception: string | null;
	/** The original text, cut at MAX_RAW characters. */
	raw: string;
}

/** Raw text kept per event: enough for any real line, bounded for a flood of huge ones. */
export const MAX_RAW = 64 * 1024;
// Larger objects are not worth JSON.parse on the ingestion path: kept as plain text.
const MAX_JSON = 1024 * 1024;

const LEVEL_WORDS: Record<string, Level> = {
	TRACE: 'DEBUG',
	DEBUG: 'DEBUG',
	INFO: 'INFO',
	NOTICE: 'INFO',
	WARN: 'WARN',
	WARNING: 'WARN',
	ERROR: 'ERROR',
	ERR: 'ERROR',
	CRIT: 'FATAL',
	CRITICAL: 'FATAL',
	ALERT: 'FATAL',
	EMERG: 'FATAL',
	FATAL: 'FATAL',
	PANIC: 'FATAL',
};

/** Maps a level name (any case) or a pino/bunyan number to our five levels. */
export function normalizeLevel(value: unknown): Level | null {
	if (typeof value === 'number') {
		if (value >= 60) return 'FATAL';
		if (value >= 50) return 'ERROR';
		if (value >= 40) return 'WARN';
		if (value >= 30) return 'INFO';
		return value >= 10 ? 'DEBUG' : null;
	}
	if (typeof value !== 'string') return null;
	return LEVEL_WORDS[value.trim().toUpperCase()] ?? null;
}

const TIME_KEYS = ['timestamp', 'time', '@timestamp', 'ts'];
const LEVEL_KEYS = ['level', 'levelname', 'severity', 'lvl'];
const MESSAGE_KEYS = ['message', 'msg', 'event'];
const EXCEPTION_KEYS = ['exception', 'exc_info', 'stack', 'stack_trace', 'traceback'];
// What triage reads first after the message (what was asked, how it went, how long it took);
// ids and bookkeeping go last, where a line cut at the screen's edge loses them first.
const FIRST_KEYS = new Map(['method', 'http_method', 'path', 'url', 'route', 'status_code', 'status', 'duration_ms', 'duration', 'latency_ms', 'elapsed_ms'].map((key, rank) => [key, rank]));
const LAST_KEY = /(?:^|[_.-])(?:id|uuid)$|[a-z]Id$|^(?:logger|pid|hostname|thread|thread_name|process)$/;
const MIDDLE = -2;
const LAST = -1;
// Where a key goes (its rank among FIRST_KEYS, LAST or MIDDLE), remembered for the few keys
// a service logs; bounded, since hostile lines can carry any number of distinct keys.
const placeOf = new Map<string, number>();

function place(key: string): number {
	let found = placeOf.get(key);
	if (found === undefined) {
		found = FIRST_KEYS.get(key) ?? (LAST_KEY.test(key) ? LAST : MIDDLE);
		if (placeOf.size < 512) placeOf.set(key, found);
	}
	return found;
}

function cutRaw(text: string): string {
	if (text.length <= MAX_RAW) return text;
	// Never split a surrogate pair.
	const end = /[\ud800-\udbff]/.test(text[MAX_RAW - 1]) ? MAX_RAW - 1 : MAX_RAW;
	return text.slice(0, end);
}

function parseTime(value: unknown, fallback: number): number {
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		// Unix seconds (Python's time.time(), logfmt ts) vs milliseconds (pino).
		return value < 1e11 ? Math.round(value * 1000) : value;
	}
	if (typeof value === 'string') {
		const parsed = Date.parse(value);
		if (Number.isFinite(parsed)) return parsed;
	}
	return fallback;
}

function stringify(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value === undefined) return '';
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}

function pick(object: Record<string, unknown>, keys: string[]): string | null {
	for (const key of keys) if (key in object) return key;
	return null;
}

function parseJson(text: string): Record<string, unknown> | null {
	const trimmed = text.trim();
	if (trimmed.length > MAX_JSON || !trimmed.startsWith('{') || !trimmed.endsWith('}')) return null;
	try {
		const value: unknown = JSON.parse(trimmed);
		return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}

export function parseLogLine(raw: RawLine): LogEvent {
	const object = parseJson(raw.text);
	if (object) return fromJson(raw, object);
	return fromPlain(raw);
}

function fromJson(raw: RawLine, object: Record<string, unknown>): LogEvent {
	const timeKey = pick(object, TIME_KEYS);
	const levelKey = pick(object, LEVEL_KEYS);
	const messageKey = pick(object, MESSAGE_KEYS);
	const exceptionKey = pick(object, EXCEPTION_KEYS);
	// join() gives one flat string; += would keep a rope of every piece. The first keys go to
	// the front in their rank's order (ranks beside them), the last ones after the rest.
	const parts: string[] = [];
	const ranks: number[] = [];
	let last: string[] | undefined;
	for (const key in object) {
		if (key === timeKey || key === levelKey || key === messageKey || key === exceptionKey) continue;
		const part = `${key}=${formatValue(stringify(object[key]))}`;
		const rank = place(key);
		if (rank === MIDDLE) parts.push(part);
		else if (rank === LAST) (last ??= []).push(part);
		else {
			let at = ranks.length;
			while (at > 0 && ranks[at - 1]! > rank) at--;
			ranks.splice(at, 0, rank);
			parts.splice(at, 0, part);
		}
	}
	if (last) for (const part of last) parts.push(part);
	const detail = parts.join(' ');
	const exceptionValue = exceptionKey ? object[exceptionKey] : null;
	const exception = exceptionValue === null || exceptionValue === undefined || exceptionValue === false || exceptionValue === '' ? null : stringify(exceptionValue);
	return {
		engine: raw.engine,
		replica: raw.replica,
		stream: raw.stream,
		time: parseTime(timeKey ? object[timeKey] : undefined, raw.time),
		level: normalizeLevel(levelKey ? object[levelKey] : undefined) ?? (exception ? 'ERROR' : null),
		message: messageKey ? stringify(object[messageKey]) : '',
		detail,
		exception,
		raw: cutRaw(raw.text),
	};
}

// uvicorn and Python's logging.basicConfig: "INFO:     ..." / "ERROR:root:..."
const PREFIX_LEVEL = /^(TRACE|DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL):\s*/;
const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl|severity)=("?)([A-Za-z]+)\1(?=\s|$)/i;
// nginx error log "[error]", bracketed "[WARN]", and bare upper-case level words.
const BRACKET_LEVEL = /\[(debug|info|notice|warn|warning|error|crit|critical|alert|emerg|fatal)\]/i;
const WORD_LEVEL = /\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|PANIC)\b/;
const TRACEBACK = 'Traceback (most recent call last):';
const NODE_ERROR = /^(?:Uncaught )?(?:[A-Z][\w.]*)?(?:Error|Exception)(?:\s*\[[\w-]+\])?:/;

/** Detects a level in a plain-text line; the prefix (uvicorn style) is stripped from the message. */
export function detectLevel(line: string): {level: Level | null; message: string} {
	const prefix = PREFIX_LEVEL.exec(line);
	if (prefix) return {level: normalizeLevel(prefix[1]), message: line.slice(prefix[0].length)};
	const logfmt = LOGFMT_LEVEL.exec(line);
	if (logfmt) {
		const level = normalizeLevel(logfmt[2]);
		if (level) return {level, message: line};
	}
	const bracket = BRACKET_LEVEL.exec(line);
	if (bracket) return {level: normalizeLevel(bracket[1]), message: line};
	// Only in the first part of the line: "... retried after ERROR in body" is rarely the level.
	const word = WORD_LEVEL.exec(line.slice(0, 200));
	if (word) return {level: normalizeLevel(word[1]), message: line};
	if (line.startsWith(TRACEBACK) || NODE_ERROR.test(line)) return {level: 'ERROR', message: line};
	return {level: null, message: line};
}

function fromPlain(raw: RawLine): LogEvent {
	// Level words may be coloured (uvicorn on a TTY): detect on the visible text.
	const text = sanitizeForTerminal(raw.text.length > MAX_RAW ? cutRaw(raw.text) : raw.text, {keepNewlines: true});
	const newline = text.indexOf('\n');
	const head = newline === -1 ? text : text.slice(0, newline);
	let {level, message} = detectLevel(head);
	let exception: string | null = null;
	if (newline !== -1) {
		const rest = text.slice(newline + 1);
		const block = head.startsWith(TRACEBACK) || NODE_ERROR.test(head) ? text : rest;
		if (block.includes(TRACEBACK) || /\n\s+at /.test('\n' + block)) {
			exception = block;
			level = level ?? 'ERROR';
			// A bare traceback says what happened in its last line.
			if (head.startsWith(TRACEBACK)) message = exceptionSummary(block);
		} else {
			message = `${message} ${rest.replace(/\n/g, ' ')}`;
		}
	}
	return {engine: raw.engine, replica: raw.replica, stream: raw.stream, time: raw.time, level, message, detail: '', exception, raw: cutRaw(raw.text)};
}

/**
 * One line that names an exception: for a Python traceback its last unindented line
 * ("ZeroDivisionError: float division by zero"), for a Node stack its first line.
 */
export function exceptionSummary(exception: string): string {
	const lines = exception.split('\n').map((line) => line.trimEnd());
	if (exception.includes(TRACEBACK)) {
		for (let i = lines.length - 1; i >= 0; i--) {
			const line = lines[i];
			if (line !== '' && !/^\s/.test(line)) return line;
		}
	}
	return lines.find((line) => line.trim() !== '')?.trim() ?? '';
}

export interface FormatOptions {
	timestamps: boolean;
	/** Show times in UTC instead of the local zone. */
	utc?: boolean;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatTime(time: number, utc = false): string {
	const d = new Date(time);
	if (Number.isNaN(d.getTime())) return '--:--:--.---';
	return utc
		? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
		: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function formatValue(value: string): string {
	return value === '' || /[\s="]/.test(value) ? JSON.stringify(value) : value;
}

/** Display form "12:01:03.123 ERROR message exception=... key=value ... ids"; the caller sanitizes it. */
export function formatEvent(event: LogEvent, options: FormatOptions): string {
	const parts: string[] = [];
	if (options.timestamps) parts.push(formatTime(event.time, options.utc));
	// The replica's label leads what a filter searches (no timestamps there): `^C2 ` keeps one replica.
	if (event.replica) parts.push(event.replica);
	parts.push((event.level ?? '-').padEnd(5));
	if (event.message !== '') parts.push(event.message);
	// The exception says what went wrong: before the fields, which end with the ids.
	if (event.exception) parts.push(`exception=${formatValue(exceptionSummary(event.exception))}`);
	if (event.detail !== '') parts.push(event.detail);
	return parts.join(' ');
}
