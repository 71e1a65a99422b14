// Input arrives in chunks, not keys: over SSH, typing `abc` and Enter quickly (or a paste)
// reaches the console as one read, `abc\r`, and an escape sequence can be cut between two
// reads. The splitter turns every chunk into the keys it holds, by the names keymap.ts uses
// ('a', 'enter', 'escape', 'up', 'ctrl+f' ...), so a chunk acts exactly like its keys typed
// one by one. Control characters never come out as text: what is not a printable character
// is a named key, or 'unknown' (which nothing binds).

/** How long a lone ESC at the end of a read waits for the rest of a sequence (vim's ttimeout idea). */
export const ESCAPE_WAIT_MS = 50;

const ESC = '\u001B';

// CSI and SS3 sequences of the keys the console knows; anything else is 'unknown'.
const SEQUENCES: Record<string, string> = {
	'[A': 'up',
	'[B': 'down',
	'[C': 'right',
	'[D': 'left',
	'[H': 'home',
	'[F': 'end',
	'[1~': 'home',
	'[2~': 'insert',
	'[3~': 'delete',
	'[4~': 'end',
	'[5~': 'pageup',
	'[6~': 'pagedown',
	'[7~': 'home',
	'[8~': 'end',
	'[[5~': 'pageup',
	'[[6~': 'pagedown',
	'[Z': 'shift+tab',
	'[200~': 'paste-start',
	'[201~': 'paste-end',
	OA: 'up',
	OB: 'down',
	OC: 'right',
	OD: 'left',
	OH: 'home',
	OF: 'end',
};

/** Control characters that have a key of their own; other C0 ones are ctrl+letter. */
const CONTROL_KEYS: Record<string, string> = {
	'\r': 'enter',
	'\n': 'enter',
	'\t': 'tab',
	'\u007F': 'backspace',
	'\b': 'backspace',
};

/** One printable character: never a control, bidi override or lone surrogate. */
export function isTextKey(key: string): boolean {
	if (key.length === 0 || key.length > 2) return false;
	const code = key.codePointAt(0)!;
	if (key.length === 2 && code <= 0xffff) return false;
	if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
	if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return false;
	return !(code >= 0xd800 && code <= 0xdfff);
}

type Parsed = {key: string | null; length: number} | 'incomplete';

/** The escape sequence at `at` (text[at] is ESC). */
function parseEscape(text: string, at: number): Parsed {
	const kind = text[at + 1];
	if (kind === undefined) return 'incomplete';
	if (kind === 'O') {
		const final = text[at + 2];
		if (final === undefined) return 'incomplete';
		const name = SEQUENCES[`O${final}`];
		// ESC then a typed capital O: not a sequence, two keys.
		return name ? {key: name, length: 3} : {key: 'escape', length: 1};
	}
	if (kind !== '[') return {key: 'escape', length: 1};
	let index = at + 2;
	if (text[index] === '[') index++;
	for (; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code >= 0x20 && code <= 0x3f) continue;
		if (code >= 0x40 && code <= 0x7e) {
			const body = text.slice(at + 1, index + 1);
			return {key: SEQUENCES[body] ?? 'unknown', length: index + 1 - at};
		}
		// A byte that cannot be in a CSI: drop what was read so far, keep the byte.
		return {key: 'unknown', length: index - at};
	}
	return 'incomplete';
}

function controlKey(char: string): string {
	const named = CONTROL_KEYS[char];
	if (named) return named;
	const code = char.charCodeAt(0);
	if (code >= 1 && code <= 26) return `ctrl+${String.fromCharCode(code + 96)}`;
	return 'unknown';
}

export interface KeySplitter {
	/** The keys complete in `chunk` (after whatever an earlier chunk left incomplete). */
	push(chunk: string): string[];
	/** True when an escape sequence waits for its next read. */
	pending(): boolean;
	/** What waits, as keys: a lone ESC is the Escape key. */
	flush(): string[];
}

export function createKeySplitter(): KeySplitter {
	let rest = '';
	const split = (text: string, final: boolean): string[] => {
		const keys: string[] = [];
		let index = 0;
		while (index < text.length) {
			const char = text[index]!;
			if (char === ESC) {
				const parsed = parseEscape(text, index);
				if (parsed === 'incomplete') {
					if (!final) {
						rest = text.slice(index);
						return keys;
					}
					// Nothing more came: ESC was the Escape key; what followed it is typed text.
					keys.push('escape');
					index++;
					continue;
				}
				if (parsed.key) keys.push(parsed.key);
				index += parsed.length;
				continue;
			}
			if (char === '\r' && text[index + 1] === '\n') {
				keys.push('enter');
				index += 2;
				continue;
			}
			const code = text.codePointAt(index)!;
			const width = code > 0xffff ? 2 : 1;
			const key = text.slice(index, index + width);
			keys.push(code < 0x20 || code === 0x7f ? controlKey(key) : isTextKey(key) ? key : 'unknown');
			index += width;
		}
		rest = '';
		return keys;
	};
	return {
		push: (chunk) => split(rest + chunk, false),
		pending: () => rest.length > 0,
		flush: () => (rest ? split(rest, true) : []),
	};
}

/** All keys of a chunk that is complete in itself (tests, and a read with nothing after it). */
export function splitKeys(chunk: string): string[] {
	const splitter = createKeySplitter();
	return [...splitter.push(chunk), ...splitter.flush()];
}
