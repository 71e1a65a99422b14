import type {StoredEvent} from '../core/monitor/log-store.ts';
import {formatEvent} from '../domain/log-parse.ts';
import {matchRanges} from '../domain/log-filter.ts';
import {sanitizeForTerminal, truncateToWidth, wrapToWidth} from '../domain/sanitize.ts';
import {theme} from './theme.ts';

// The rows of the log panels as finished strings with their colour codes. The panels render
// them (one Text each) and a frame that only brings log lines replaces them in the last frame
// without React or Ink: one function for both, so both draw the same characters.

/** Our theme's 16 colour names as SGR foreground codes (what chalk sends for them). */
const FOREGROUND: Record<string, number> = {
	black: 30,
	red: 31,
	green: 32,
	yellow: 33,
	blue: 34,
	magenta: 35,
	cyan: 36,
	white: 37,
	gray: 90,
	grey: 90,
	blackBright: 90,
	redBright: 91,
	greenBright: 92,
	yellowBright: 93,
	blueBright: 94,
	magentaBright: 95,
	cyanBright: 96,
	whiteBright: 97,
};

export interface Span {
	text: string;
	colour?: string | undefined;
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
}

const sgr = (code: number | string) => `\u001B[${code}m`;

/** Spans as one string: each attribute switched on where a span needs it and off where the next does not. */
export function paint(spans: readonly Span[], colour: boolean): string {
	if (!colour) return spans.map((span) => span.text).join('');
	let out = '';
	let fg: number | undefined;
	let weight: 'bold' | 'dim' | undefined;
	let inverse = false;
	for (const span of spans) {
		if (span.text === '') continue;
		const nextFg = span.colour === undefined ? undefined : FOREGROUND[span.colour];
		const nextWeight = span.bold ? 'bold' : span.dim ? 'dim' : undefined;
		const nextInverse = span.inverse === true;
		// Off in the reverse order of on (what Ink's own composition writes, byte for byte).
		if (fg !== undefined && nextFg === undefined) out += sgr(39);
		if (inverse && !nextInverse) out += sgr(27);
		if (weight !== undefined && weight !== nextWeight) out += sgr(22);
		if (nextWeight !== undefined && weight !== nextWeight) out += sgr(nextWeight === 'bold' ? 1 : 2);
		if (nextInverse && !inverse) out += sgr(7);
		if (nextFg !== undefined && fg !== nextFg) out += sgr(nextFg);
		[fg, weight, inverse] = [nextFg, nextWeight, nextInverse];
		out += span.text;
	}
	if (fg !== undefined) out += sgr(39);
	if (inverse) out += sgr(27);
	if (weight !== undefined) out += sgr(22);
	return out;
}

export function eventText(event: StoredEvent, timestamps: boolean): string {
	return sanitizeForTerminal(event.gap ? `── ${event.gap} ──` : formatEvent(event, {timestamps}));
}

/** Text in a colour with the regex's matches inverse in the key colour. */
function highlighted(text: string, regex: RegExp | null, colour: string | undefined, inverse: boolean): Span[] {
	const spans: Span[] = [];
	let at = 0;
	for (const [start, end] of matchRanges(text, regex)) {
		if (start > at) spans.push({text: text.slice(at, start), colour, inverse});
		spans.push({text: text.slice(start, end), colour: theme.text.key, inverse: true});
		at = end;
	}
	spans.push({text: text.slice(at), colour, inverse});
	return spans;
}

const levelColour = (event: StoredEvent): string | undefined => (event.gap ? theme.state.warn : (theme.level[event.level ?? 'INFO'] as string | undefined));
const tagOf = (event: StoredEvent) => (event.engine === 'stable' ? 'S' : 'C');

export interface RowOptions {
	timestamps: boolean;
	regex: RegExp | null;
	selected?: boolean;
	colour: boolean;
}

// A row is built once per event and settings: new lines arriving around it cost nothing.
const rows = new WeakMap<StoredEvent, {key: string; row: string}>();

/** One event: engine tag, `!` for stderr, its text cut to the width in its level's colour. */
export function logRow(event: StoredEvent, width: number, options: RowOptions): string {
	const {timestamps, regex, colour} = options;
	const selected = options.selected === true;
	const key = `${width}|${timestamps}|${regex ? `${regex.source}/${regex.flags}` : ''}|${selected}|${colour}`;
	const cached = rows.get(event);
	if (cached?.key === key) return cached.row;
	const text = truncateToWidth(eventText(event, timestamps), Math.max(1, width - 3));
	const marker: Span = event.stream === 'stderr' && !event.gap ? {text: '!', colour: theme.text.dim, inverse: selected} : {text: ' ', inverse: selected};
	const row = paint([{text: tagOf(event), colour: theme.engine[event.engine], bold: true, inverse: selected}, marker, ...highlighted(text, regex, levelColour(event), selected)], colour);
	rows.set(event, {key, row});
	return row;
}

/** An event's text over several rows (the wrap toggle), newest part last; the first part carries the tag. */
export function wrappedRows(event: StoredEvent, width: number, options: RowOptions): string[] {
	const selected = options.selected === true;
	return wrapToWidth(eventText(event, options.timestamps), width - 3).map((part, index) =>
		paint([{text: index === 0 ? `${tagOf(event)} ` : '  ', colour: theme.engine[event.engine], inverse: selected}, ...highlighted(part, options.regex, levelColour(event), selected)], options.colour),
	);
}

/** A panel's title: `─ text ───…` in gray, `width` columns. */
export function titleRow(text: string, width: number, colour: boolean): string {
	const title = `─ ${text} `;
	return paint([{text: truncateToWidth(title + '─'.repeat(Math.max(0, width - title.length)), width + 1, '…'), colour: 'gray'}], colour);
}

/** A plain line of a panel, cut at the width as Ink cuts it. */
export function lineRow(text: string, width: number, style: Omit<Span, 'text'>, colour: boolean): string {
	return paint([{...style, text: truncateToWidth(text, width, '…')}], colour);
}

const droppedText = (dropped: number) => `${dropped.toLocaleString('en-US')} lines dropped: received but could not be read`;
const droppedRow = (dropped: number, width: number, colour: boolean) => lineRow(droppedText(dropped), width, {colour: theme.state.fail}, colour);

/** Exactly `height` rows: shorter lists padded with blank rows, longer ones cut. */
function fit(list: string[], height: number): string[] {
	const out = list.slice(0, Math.max(0, height));
	while (out.length < height) out.push('');
	return out;
}

export interface TailInput {
	events: readonly StoredEvent[];
	width: number;
	height: number;
	dropped: number;
	title: string;
	colour: boolean;
}

/** The newest lines, bottom-aligned (the overview's tail). */
export function tailRows({events, width, height, dropped, title, colour}: TailInput): string[] {
	const list = [titleRow(title, width - 1, colour)];
	if (dropped > 0) list.push(droppedRow(dropped, width, colour));
	const room = height - list.length;
	if (room > 0) for (const event of events.slice(-room)) list.push(logRow(event, width, {timestamps: true, regex: null, colour}));
	return fit(list, height);
}

export interface LogViewInput {
	events: readonly StoredEvent[];
	width: number;
	height: number;
	/** Lines up from the newest: 0 follows. */
	offset: number;
	timestamps: boolean;
	wrap: boolean;
	expanded: boolean;
	regex: RegExp | null;
	header: string;
	/** Lines received but not read: an error line under the title. */
	dropped: number;
	colour: boolean;
}

/** The scrollable log view: `offset` lines up from the newest; wrap and expand on request. */
export function logViewRows(input: LogViewInput): string[] {
	const {events, width, height, offset, timestamps, wrap, expanded, regex, dropped, colour} = input;
	const top = [titleRow(input.header, width - 1, colour)];
	if (dropped > 0) top.push(droppedRow(dropped, width, colour));
	const body = height - top.length;
	const end = Math.max(0, events.length - offset);
	const selected = events[end - 1];
	const raw = expanded && selected ? wrapToWidth(sanitizeForTerminal(selected.raw), width - 2).slice(0, Math.floor(body / 2)) : [];
	const room = body - raw.length - (raw.length > 0 ? 1 : 0);
	const lines: string[] = [];
	for (let index = end - 1; index >= 0 && lines.length < room; index--) {
		const event = events[index]!;
		if (wrap && !event.gap) {
			const parts = wrappedRows(event, width, {timestamps, regex, colour, selected: index === end - 1});
			for (let part = parts.length - 1; part >= 0 && lines.length < room; part--) lines.push(parts[part]!);
		} else {
			lines.push(logRow(event, width, {timestamps, regex, colour, selected: index === end - 1 && offset > 0}));
		}
	}
	lines.reverse();
	const bottom = raw.length > 0 ? [titleRow('raw line of the selected event', width - 1, colour), ...raw.map((line) => lineRow(line, width, {dim: true}, colour))] : [];
	return fit([...top, ...lines, ...bottom], height);
}
