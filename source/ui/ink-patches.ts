import {register} from 'node:module';

// Ink 6.8 keeps two module-level caches that never drop an entry: measure-text.js (a Map of
// every text it measured) and wrap-text.js (an object of every text it cut). A console that
// shows log lines with request ids feeds them a new string many times a second, so they grow
// for as long as it runs. And render-node-to-output.js measures every text node on every
// frame without any cache (widest-line), a fifth of the console's CPU when profiled.
// A module hook swaps these three modules for versions with bounded caches when they load.
// The replacements keep the originals' exports and behaviour.

const LIMIT = 4096;

const PATCHES: Record<string, string> = {
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
const cache = new Map();
export function cacheSize() { return cache.size; }
const wrapText = (text, maxWidth, wrapType) => {
	const key = text + String(maxWidth) + String(wrapType);
	const cached = cache.get(key);
	if (cached !== undefined) return cached;
	let wrapped = text;
	if (wrapType === 'wrap') wrapped = wrapAnsi(text, maxWidth, {trim: false, hard: true});
	if (wrapType.startsWith('truncate')) {
		const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
		wrapped = cliTruncate(text, maxWidth, {position});
	}
	if (cache.size >= ${LIMIT}) cache.clear();
	cache.set(key, wrapped);
	return wrapped;
};
export default wrapText;`,
};

const HOOKS = `
const patches = ${JSON.stringify(PATCHES)};
export async function load(url, context, nextLoad) {
	for (const [suffix, source] of Object.entries(patches)) {
		if (url.startsWith('file:') && url.endsWith(suffix)) return {format: 'module', source, shortCircuit: true};
	}
	return nextLoad(url, context);
}`;

let registered = false;

/** Call before Ink is first imported. */
export function registerInkPatches(): void {
	if (registered) return;
	registered = true;
	register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);
}

export const INK_CACHE_LIMIT = LIMIT;
