import {readFileSync, writeFileSync} from 'node:fs';
import {createRequire, register} from 'node:module';
import {dirname, join} from 'node:path';

// Ink 6.8 keeps two module-level caches that never drop an entry: measure-text.js (a Map of
// every text it measured) and wrap-text.js (an object of every text it cut). A console that
// shows log lines with request ids feeds them a new string many times a second, so they grow
// for as long as it runs. And render-node-to-output.js measures every text node on every
// frame without any cache (widest-line), a fifth of the console's CPU when profiled.
// `npm ci` (the prepare script, ops/patch-ink.ts) writes versions of these three modules with
// bounded caches over the installed ones; where that did not happen, a module hook swaps them
// in as they load (it slows loading Ink by about half a second, so it is only the fallback).
// The replacements keep the originals' exports and behaviour.

const LIMIT = 4096;
const MARKER = '// canary-console: bounded caches';
const NARROW_TEXT_PATTERN = String.raw`^[\u0020-\u007E\u00A1-\u00AC\u00AE-\u00FF\u2010-\u2027\u2190-\u2193\u2500-\u259F\u25B2\u25BC\u2713\u2717]*$`;

/**
 * cli-truncate's "end" cut for text of one-cell characters and colour codes, without its
 * grapheme segmentation (about 7 ms for a 160-character header line, profiled: a quiet
 * console's largest single cost once a second). Returns null for any other text (the caller
 * then uses cli-truncate). Same cells as cli-truncate: the first maxWidth - 1 cells, then an
 * ellipsis in the style in force there; open styles are closed with a reset.
 * Written into Ink's wrap-text module as source: it may use nothing from outside.
 */
export function truncateNarrowEnd(text: string, maxWidth: number): string | null {
	const sgr = /\u001B\[[0-9;]*m/g;
	const plain = text.replace(sgr, '');
	if (plain.includes('\u001B') || !narrowText.test(plain)) return null;
	if (plain.length <= maxWidth) return text;
	if (maxWidth < 1) return '';
	let out = '';
	let cells = 0;
	let styled = false;
	for (let i = 0; i < text.length && cells < maxWidth - 1; ) {
		if (text.charCodeAt(i) === 0x1b) {
			const end = text.indexOf('m', i);
			const code = text.slice(i, end + 1);
			out += code;
			styled = code !== '\u001B[0m' && code !== '\u001B[m';
			i = end + 1;
			continue;
		}
		out += text[i];
		cells++;
		i++;
	}
	return `${out}\u2026${styled ? '\u001B[0m' : ''}`;
}
const narrowText = new RegExp(NARROW_TEXT_PATTERN);

export const PATCHES: Record<string, string> = {
	'/widest-line/index.js': `
import stringWidth from 'string-width';
const cache = new Map();
export function cacheSize() { return cache.size; }
export default function widestLine(string) {
	let width = cache.get(string);
	if (width !== undefined) return width;
	width = 0;
	for (const line of string.split('\\n')) width = Math.max(width, stringWidth(line));
	if (cache.size >= ${LIMIT}) cache.clear();
	cache.set(string, width);
	return width;
}`,
	'/ink/build/measure-text.js': `
import widestLine from 'widest-line';
const cache = new Map();
export function cacheSize() { return cache.size; }
const measureText = (text) => {
	if (text.length === 0) return {width: 0, height: 0};
	let dimensions = cache.get(text);
	if (dimensions) return dimensions;
	dimensions = {width: widestLine(text), height: text.split('\\n').length};
	if (cache.size >= ${LIMIT}) cache.clear();
	cache.set(text, dimensions);
	return dimensions;
};
export default measureText;`,
	'/ink/build/wrap-text.js': `
import wrapAnsi from 'wrap-ansi';
import cliTruncate from 'cli-truncate';
const narrowText = new RegExp(${JSON.stringify(NARROW_TEXT_PATTERN)});
${truncateNarrowEnd.toString()}
const cache = new Map();
export function cacheSize() { return cache.size; }
const wrapText = (text, maxWidth, wrapType) => {
	const key = text + String(maxWidth) + String(wrapType);
	const cached = cache.get(key);
	if (cached !== undefined) return cached;
	let wrapped = text;
	if (wrapType === 'wrap') wrapped = wrapAnsi(text, maxWidth, {trim: false, hard: true});
	const fast = wrapType === 'truncate-end' || wrapType === 'truncate' ? truncateNarrowEnd(text, maxWidth) : null;
	if (fast !== null) wrapped = fast;
	else if (wrapType.startsWith('truncate')) {
		const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
		wrapped = cliTruncate(text, maxWidth, {position});
	}
	if (cache.size >= ${LIMIT}) cache.clear();
	cache.set(key, wrapped);
	return wrapped;
};
export default wrapText;`,
};

// One-line edits of installed modules. Ink imports a single function (throttle) from the
// barrel of es-toolkit/compat, which loads 336 modules: about 200 ms of every start
// (measured), a fifth of the time to the first frame. Its own subpath is the same function.
// string-width segments any text that is not plain ASCII into graphemes and tests each against
// emoji regexes: about 30 µs a call, paid for every new text Ink measures or cuts (a third of
// a quiet console's text work, profiled). Text made only of characters that are one cell wide
// (Latin-1, dashes and quotes, arrows, box drawing, blocks, the marks the screen uses) is as
// wide as it is long; test/ink-patches.test.ts checks every one of them against the original.
export const NARROW_TEXT = NARROW_TEXT_PATTERN;
const STRING_WIDTH_START = 'export default function stringWidth(input, options = {}) {';

export const EDITS: Record<string, {from: string; to: string}> = {
	'/ink/build/ink.js': {from: "import { throttle } from 'es-toolkit/compat';", to: "import throttle from 'es-toolkit/compat/throttle';"},
	'/string-width/index.js': {
		from: STRING_WIDTH_START,
		to: `const narrowText = new RegExp(${JSON.stringify(NARROW_TEXT)}); // canary-console: narrow text
${STRING_WIDTH_START}
	if (typeof input === 'string' && options.ambiguousIsNarrow !== false && narrowText.test(input)) return input.length;`,
	},
};

/** The edited text; the same text when the edit is already in (the edit keeps its `from`). */
export function applyEdit(text: string, edit: {from: string; to: string}): string {
	return text.includes(edit.to) ? text : text.replace(edit.from, edit.to);
}

const HOOKS = `
const patches = ${JSON.stringify(PATCHES)};
const edits = ${JSON.stringify(EDITS)};
export async function load(url, context, nextLoad) {
	if (!url.startsWith('file:')) return nextLoad(url, context);
	for (const [suffix, source] of Object.entries(patches)) {
		if (url.endsWith(suffix)) return {format: 'module', source, shortCircuit: true};
	}
	for (const [suffix, edit] of Object.entries(edits)) {
		if (!url.endsWith(suffix)) continue;
		const loaded = await nextLoad(url, context);
		const text = String(loaded.source);
		return {...loaded, source: text.includes(edit.to) ? text : text.replace(edit.from, edit.to)};
	}
	return nextLoad(url, context);
}`;

/** The installed files the patches replace, by their suffix. */
export function patchTargets(): Record<string, string> {
	const require = createRequire(import.meta.url);
	const inkBuild = dirname(require.resolve('ink'));
	// widest-line is Ink's dependency: resolve it from Ink's own folder.
	const widest = createRequire(join(inkBuild, 'index.js')).resolve('widest-line');
	return {
		'/string-width/index.js': createRequire(widest).resolve('string-width'),
		'/widest-line/index.js': widest,
		'/ink/build/measure-text.js': join(inkBuild, 'measure-text.js'),
		'/ink/build/wrap-text.js': join(inkBuild, 'wrap-text.js'),
		'/ink/build/ink.js': join(inkBuild, 'ink.js'),
	};
}

const patchedText = (suffix: string) => `${MARKER}\n${PATCHES[suffix]!.trimStart()}\n`;

function isPatched(suffix: string, text: string): boolean {
	const edit = EDITS[suffix];
	// An Ink without the line has nothing to edit: as good as patched.
	// A file patched by an older version of these patches is patched again.
	return edit ? text.includes(edit.to) || !text.includes(edit.from) : text === patchedText(suffix);
}

/** Writes the bounded modules over the installed ones; returns what it did per file. */
export function patchInstalledInk(): string[] {
	const done: string[] = [];
	for (const [suffix, path] of Object.entries(patchTargets())) {
		const current = readFileSync(path, 'utf8');
		if (isPatched(suffix, current)) {
			done.push(`${path}: already patched`);
			continue;
		}
		const edit = EDITS[suffix];
		writeFileSync(path, edit ? applyEdit(current, edit) : patchedText(suffix));
		done.push(`${path}: patched`);
	}
	return done;
}

function installedPatched(): boolean {
	try {
		return Object.entries(patchTargets()).every(([suffix, path]) => isPatched(suffix, readFileSync(path, 'utf8')));
	} catch {
		return false;
	}
}

let registered = false;

/** Call before Ink is first imported: makes sure the bounded modules are the ones that load. */
export function registerInkPatches(): 'installed' | 'hook' {
	if (installedPatched()) return 'installed';
	if (!registered) {
		registered = true;
		register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);
	}
	return 'hook';
}

export const INK_CACHE_LIMIT = LIMIT;
