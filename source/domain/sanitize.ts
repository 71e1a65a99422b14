// Container output is hostile: before any of it reaches the terminal every control sequence
// goes, so a log line can never move the cursor, retitle the window or write the clipboard.
// One regex pass per line; lines without any control character take a fast path.

// Alternatives in order; the first that matches at a position wins.
const CONTROL = new RegExp(
	[
		// CSI: ESC [ or 8-bit 0x9b, parameters (private ones included), intermediates, final byte.
		// An unterminated CSI at the end of the text is dropped too.
		'(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?',
		// Strings: OSC (ESC ] / 0x9d: titles, OSC 8 hyperlinks, OSC 52 clipboard), DCS (ESC P / 0x90),
		// SOS (ESC X / 0x98), PM (ESC ^ / 0x9e), APC (ESC _ / 0x9f). They end at BEL, ST (ESC \ or
		// 0x9c), a new ESC (which aborts the string in real terminals) or the end of the text.
		'(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?',
		// Any other escape (ESC 7, ESC c, ESC ( B, ESC # 8 ...) and a bare ESC.
		'\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
		// Remaining C0 (tab and newline are handled by the replacer), DEL and C1.
		'[\\x00-\\x1f\\x7f-\\x9f]',
		// Bidi overrides and isolates reorder what is shown ("Trojan Source").
		'[\\u202a-\\u202e\\u2066-\\u2069]',
		// Lone surrogates would reach the terminal as garbage.
		'[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
	].join('|'),
	'g',
);

// Cheap pre-check: most log lines contain none of these and are returned as they are.
const SUSPECT = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

const TAB_STOP = 8;

export interface SanitizeOptions {
	/** Keep "\n" (for multi-line views); by default a newline becomes one space. */
	keepNewlines?: boolean;
}

/**
 * Removes every terminal control sequence. Carriage return and backspace are dropped (not
 * obeyed), so "safe\rEVIL" shows both parts instead of hiding one. Tabs expand to 8-column
 * stops counted from the start of the text (or of the line when newlines are kept).
 */
export function sanitizeForTerminal(text: string, options: SanitizeOptions = {}): string {
	if (!SUSPECT.test(text) && !text.includes('\t')) return text;
	const keepNewlines = options.keepNewlines === true;
	const cleaned = text.replace(CONTROL, (match) => {
		if (match === '\t') return '\t';
		if (match === '\n') return keepNewlines ? '\n' : ' ';
		return '';
	});
	return cleaned.includes('\t') ? expandTabs(cleaned) : cleaned;
}

function expandTabs(text: string): string {
	return text
		.split('\n')
		.map((line) => {
			let column = 0;
			let result = '';
			line.split('\t').forEach((segment, index) => {
				if (index > 0) {
					const pad = TAB_STOP - (column % TAB_STOP);
					result += ' '.repeat(pad);
					column += pad;
				}
				result += segment;
				column += visibleWidth(segment);
			});
			return result;
		})
		.join('\n');
}

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD instead of failing. */
export function decodeUtf8(buf: Uint8Array): string {
	return new TextDecoder('utf-8', {fatal: false}).decode(buf);
}

/**
 * A decoder for a stream of chunks: a character split across two chunks is kept until its
 * end arrives instead of turning into two U+FFFD. Call with final=true at the end.
 */
export function createUtf8Decoder(): (chunk: Uint8Array, final?: boolean) => string {
	const decoder = new TextDecoder('utf-8', {fatal: false});
	return (chunk, final = false) => decoder.decode(chunk, {stream: !final});
}

// Widths for the Basic Multilingual Plane, built on first use of a non-ASCII character.
let bmpWidths: Uint8Array | null = null;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff\u200b]$/u;
const WIDE = /^[\p{Emoji_Presentation}\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6]$/u;
const WIDE_ASTRAL = /^[\p{Emoji_Presentation}\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{1fa70}-\u{1faff}\u{20000}-\u{2fffd}\u{30000}-\u{3fffd}]$/u;

function widthOf(cp: number): number {
	const char = String.fromCodePoint(cp);
	if (ZERO_WIDTH.test(char)) return 0;
	if (cp > 0xffff) return WIDE_ASTRAL.test(char) ? 2 : 1;
	return WIDE.test(char) ? 2 : 1;
}

function bmpTable(): Uint8Array {
	if (bmpWidths) return bmpWidths;
	const table = new Uint8Array(0x10000);
	for (let cp = 0; cp < 0x10000; cp++) {
		table[cp] = cp < 0x300 ? 1 : cp >= 0xd800 && cp <= 0xdfff ? 1 : widthOf(cp);
	}
	bmpWidths = table;
	return table;
}

/** Columns one code point takes (0, 1 or 2). Expects sanitized text (no controls). */
export function codePointWidth(cp: number): number {
	if (cp < 0x300) return 1;
	if (cp <= 0xffff) return bmpTable()[cp];
	return widthOf(cp);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Terminal columns the text takes: CJK and emoji count 2, combining marks 0. */
export function visibleWidth(text: string): number {
	if (PRINTABLE_ASCII.test(text)) return text.length;
	let width = 0;
	let previous = 0;
	for (let i = 0; i < text.length; i++) {
		let cp = text.charCodeAt(i);
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
			const low = text.charCodeAt(i + 1);
			if (low >= 0xdc00 && low <= 0xdfff) {
				cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
				i++;
			}
		}
		// VS16 asks for emoji presentation: some terminals then draw two columns, so count two.
		if (cp === 0xfe0f && previous === 1) {
			width += 1;
			previous = 2;
			continue;
		}
		const w = codePointWidth(cp);
		width += w;
		if (w > 0) previous = w;
	}
	return width;
}

/**
 * The longest prefix that fits in `width` columns; combining marks stay with their base.
 * When the text was cut and an ellipsis is given, it is placed within the width.
 */
export function truncateToWidth(text: string, width: number, ellipsis = ''): string {
	if (width <= 0) return '';
	if (PRINTABLE_ASCII.test(text) && PRINTABLE_ASCII.test(ellipsis)) {
		if (text.length <= width) return text;
		if (ellipsis.length > width) return text.slice(0, width);
		return text.slice(0, width - ellipsis.length) + ellipsis;
	}
	if (visibleWidth(text) <= width) return text;
	const ellipsisWidth = visibleWidth(ellipsis);
	const room = ellipsisWidth > width ? width : width - ellipsisWidth;
	const cut = cutAt(text, room);
	return ellipsisWidth > width ? cut : cut + ellipsis;
}

function cutAt(text: string, room: number): string {
	let used = 0;
	let end = 0;
	let previous = 0;
	for (const char of text) {
		const cp = char.codePointAt(0)!;
		// Same VS16 rule as visibleWidth, so a cut never measures wider than it counted.
		const w = cp === 0xfe0f && previous === 1 ? 1 : codePointWidth(cp);
		if (used + w > room) break;
		used += w;
		end += char.length;
		if (w > 0) previous = cp === 0xfe0f ? 2 : w;
	}
	return text.slice(0, end);
}

/** Splits text into rows of at most `width` columns (for the wrap toggle). */
export function wrapToWidth(text: string, width: number): string[] {
	if (width <= 0) return [];
	const rows: string[] = [];
	let rest = text;
	while (visibleWidth(rest) > width) {
		let row = cutAt(rest, width);
		// A double-width character in a one-column view can never fit: take it anyway.
		if (row === '') row = String.fromCodePoint(rest.codePointAt(0)!);
		rows.push(row);
		rest = rest.slice(row.length);
	}
	rows.push(rest);
	return rows;
}
