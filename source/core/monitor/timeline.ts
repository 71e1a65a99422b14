// The deployment's timeline: what happened in what order, operator actions next to what the
// system did. Kept in the state directory (timeline.jsonl), so a console started later shows
// what happened before it, and what other consoles add shows up here within a few seconds.
// Bounded on disk (days and bytes, cut at start) and in memory (newest MAX_KEPT events).

import {hostname} from 'node:os';
import type {EventFile} from '../change/ports.ts';

export type TimelineKind = 'operator' | 'automatic' | 'verdict' | 'health' | 'lifecycle' | 'outside' | 'detached' | 'pattern' | 'note';

export interface TimelineEvent {
	/** ms since epoch. */
	at: number;
	kind: TimelineKind;
	/** Who or what: "alice@host" for people, "canary" or "stable" for an engine, "console" for checks. */
	source: string;
	/** One line: what happened. */
	text: string;
	/** The result of an action (verified, not-verified, refused...), else absent. */
	outcome?: string;
	/** The console that recorded it (host:pid), so consoles that all saw the same thing show it once. */
	console: string;
}

export interface TimelineOptions {
	file?: EventFile;
	/** Default: this host and process. */
	console?: string;
	now: () => number;
	changed: () => void;
	/** Days kept in the file. Default 14. */
	keepDays?: number;
	/** Bytes kept in the file. Default 4 MB. */
	keepBytes?: number;
}

const MAX_KEPT = 2000;
/** Bytes of the file read at start: the newest events. */
const LOAD_BYTES = 1 << 20;
/** What two consoles both observed (not what a person did) is one event when this close. */
const SAME_OBSERVATION_MS = 30_000;
const KINDS = new Set<TimelineKind>(['operator', 'automatic', 'verdict', 'health', 'lifecycle', 'outside', 'detached', 'pattern', 'note']);
const OBSERVED = new Set<TimelineKind>(['verdict', 'health', 'lifecycle', 'outside', 'detached', 'pattern']);

/** A line of the file as an event; null for anything else (damaged, hostile, another format). */
export function parseEvent(line: string): TimelineEvent | null {
	let value: Partial<TimelineEvent>;
	try {
		value = JSON.parse(line) as Partial<TimelineEvent>;
	} catch {
		return null;
	}
	if (!value || typeof value !== 'object' || typeof value.at !== 'number' || !Number.isFinite(value.at)) return null;
	if (!KINDS.has(value.kind as TimelineKind) || typeof value.text !== 'string') return null;
	const text = (v: unknown, max: number) => String(v ?? '').slice(0, max);
	return {
		at: value.at,
		kind: value.kind as TimelineKind,
		source: text(value.source, 80),
		text: text(value.text, 500),
		...(value.outcome !== undefined ? {outcome: text(value.outcome, 40)} : {}),
		console: text(value.console, 80),
	};
}

export class Timeline {
	private list: TimelineEvent[] = [];
	private offset: number | null = null;
	private reading: Promise<void> | null = null;
	private writing: Promise<void> | undefined;
	/** Where the file could not be written, for the screen; null when it is fine. */
	problem: string | null = null;
	/** Moves whenever the list changes (the screen redraws on it). */
	version = 0;
	readonly ready: Promise<void>;
	private readonly listeners = new Set<(event: TimelineEvent) => void>();
	private readonly id: string;

	constructor(private readonly options: TimelineOptions) {
		this.id = options.console ?? `${hostname()}:${process.pid}`;
		this.ready = this.load();
	}

	/** Oldest first. */
	get events(): readonly TimelineEvent[] {
		return this.list;
	}

	/** Called with every event this console records (notes go to the webhooks from here). */
	onAdd(listener: (event: TimelineEvent) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	add(fields: Omit<TimelineEvent, 'at' | 'console'> & {at?: number}): TimelineEvent {
		const event: TimelineEvent = {...fields, at: fields.at ?? this.options.now(), console: this.id};
		this.insert([event]);
		this.writing = this.options.file?.append([JSON.stringify(event)]).then((result) => {
			const problem = result.ok ? null : result.message;
			if (problem !== this.problem) {
				this.problem = problem;
				this.touch();
			}
		});
		for (const listener of this.listeners) listener(event);
		return event;
	}

	/** Resolves when the events added so far are in the file (or failed to be). */
	async written(): Promise<void> {
		await this.writing;
	}

	/** Reads what other consoles added since the last read. */
	refresh(): Promise<void> {
		this.reading ??= this.readNew().finally(() => {
			this.reading = null;
		});
		return this.reading;
	}

	private async load(): Promise<void> {
		const file = this.options.file;
		if (!file) return;
		const keepSince = this.options.now() - (this.options.keepDays ?? 14) * 86_400_000;
		await file.compact((line) => (parseEvent(line)?.at ?? 0) >= keepSince, this.options.keepBytes ?? 4 << 20);
		await this.readNew();
	}

	private async readNew(): Promise<void> {
		const file = this.options.file;
		if (!file) return;
		const {lines, offset} = await file.read(this.offset, LOAD_BYTES);
		const first = this.offset === null;
		this.offset = offset;
		const events = lines.map(parseEvent).filter((event): event is TimelineEvent => event !== null);
		// Our own lines are in the list already, except on the first read.
		this.insert(first ? events : events.filter((event) => event.console !== this.id));
	}

	private insert(events: TimelineEvent[]): void {
		const fresh: TimelineEvent[] = [];
		// One at a time: a batch read from the file may hold what two consoles both observed.
		for (const event of events) if (!this.seen(event, this.list) && !this.seen(event, fresh)) fresh.push(event);
		if (fresh.length === 0) return;
		this.list = [...this.list, ...fresh].sort((a, b) => a.at - b.at).slice(-MAX_KEPT);
		this.touch();
	}

	private seen(event: TimelineEvent, list: readonly TimelineEvent[]): boolean {
		return list.some(
			(other) =>
				(other.at === event.at && other.console === event.console && other.text === event.text) ||
				(OBSERVED.has(event.kind) && other.kind === event.kind && other.text === event.text && other.console !== event.console && Math.abs(other.at - event.at) < SAME_OBSERVATION_MS),
		);
	}

	private touch(): void {
		this.version++;
		this.options.changed();
	}
}
