import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {createRequire, register} from 'node:module';
import {dirname, join} from 'node:path';

// Ink 6.8 keeps two module-level caches that never drop an entry: measure-text.js (a Map of
// every text it measured) and wrap-text.js (an object of every text it cut). A console that
// shows log lines with request ids feeds them a new string many times a second, so they grow
// for as long as it runs. And render-node-to-output.js measures every text node on every
// frame without any cache (widest-line), a fifth of the console's CPU when profiled.
// Nothing is written into node_modules: the bundle (dist/, ops/build.ts) is built with these
// modules in place of the originals, and a run from the sources swaps them in with a module
// hook as they load. Each change names the exact upstream version and the sha256 of the file
// it was written against (package.json pins those versions); a file with any other content is
// left as shipped, the build refuses it, and test/ink-patches.test.ts fails.
// The replacements keep the originals' exports and behaviour.

/** The upstream file a change was written against. */
export interface Upstream {
	package: string;
	version: string;
	sha256: string;
}

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

export interface Replacement extends Upstream {
	source: string;
}

export interface Edit extends Upstream {
	from: string;
	to: string;
	/** Specifiers the edited text imports that the original does not: must resolve from the file. */
	needs?: string[];
}

const LIMIT = 4096;
export const PATCHES: Record<string, Replacement> = {
	'/widest-line/index.js': {
		package: 'widest-line',
		version: '6.0.0',
		sha256: 'c56c70d00610e14d157c1ed4fc3a2b83d96f7e595b1842ba12f3a84217796eb1',
		source: `
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
	},
	'/ink/build/measure-text.js': {
		package: 'ink',
		version: '6.8.0',
		sha256: '4562d24171af3063b91a0d965c652ebdf1e2bdf4fe7f75c6bc8664fefc77df6a',
		source: `
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
	},
	'/ink/build/wrap-text.js': {
		package: 'ink',
		version: '6.8.0',
		sha256: 'd2b8b4d05ed0eadd6c52149092f062ba048cda9928ce88e5176107c6fe38c19e',
		source: `
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
	},
	// Ink sanitizes the text of every Text node twice a frame (layout and drawing), tokenizing
	// any text with a colour code into token objects: the same rows, frame after frame (a
	// tenth of a quiet console's main-thread time, profiled). The result is kept, bounded, and
	// text with colour codes only is known unchanged without tokenizing.
	'/ink/build/sanitize-ansi.js': {
		package: 'ink',
		version: '6.8.0',
		sha256: '6324e0b5396fda7b0e9dddad4acad023adee913dfb77e541636efa0a04d5f043',
		source: `
import {hasAnsiControlCharacters, tokenizeAnsi} from './ansi-tokenizer.js';
const sgrParametersRegex = /^[\\d:;]*$/;
// Text whose only control sequences are colour codes (every log row Ink measures) comes out
// as it went in: one linear regex test instead of tokenizing it (a new log line cost two).
const onlySgr = /^[^\\x1b\\x80-\\x9f]*(?:\\x1b\\[[\\d:;]*m[^\\x1b\\x80-\\x9f]*)*$/;
const cache = new Map();
export function cacheSize() { return cache.size; }
const sanitize = (text) => {
	if (!hasAnsiControlCharacters(text) || onlySgr.test(text)) return text;
	let output = '';
	for (const token of tokenizeAnsi(text)) {
		if (token.type === 'text' || token.type === 'osc') {
			output += token.value;
			continue;
		}
		if (token.type === 'csi' && token.finalCharacter === 'm' && token.intermediateString === '' && sgrParametersRegex.test(token.parameterString)) output += token.value;
	}
	return output;
};
const sanitizeAnsi = (text) => {
	let output = cache.get(text);
	if (output !== undefined) return output;
	output = sanitize(text);
	if (cache.size >= ${LIMIT}) cache.clear();
	cache.set(text, output);
	return output;
};
export default sanitizeAnsi;`,
	},
};

// One-line edits of installed modules. Ink imports a single function (throttle) from the
// barrel of es-toolkit/compat, which loads 336 modules: about 200 ms of every start
// (measured), a fifth of the time to the first frame. Its own subpath is the same function.
// string-width segments any text that is not plain ASCII into graphemes and tests each against
// emoji regexes: about 30 µs a call, paid for every new text Ink measures or cuts (a third of
// a quiet console's text work, profiled). Text made only of characters that are one cell wide
// (Latin-1, dashes and quotes, arrows, box drawing, blocks, the marks the screen uses) is as
// wide as it is long; test/ink-patches.test.ts checks every one of them against the original.
// The same holds with colour codes around it, which Ink measures on every frame for every
// coloured row that changed (a logs title with its line count, a new log row: profiled at
// about a tenth of a quiet console's main-thread time, emoji regex included).
export const NARROW_TEXT = NARROW_TEXT_PATTERN;
const STRING_WIDTH_START = 'export default function stringWidth(input, options = {}) {';

export const EDITS: Record<string, Edit> = {
	'/ink/build/ink.js': {
		package: 'ink',
		version: '6.8.0',
		sha256: 'd0402b8f4ed689e8ad1d8036c7583217b4528496928cee23e17b85583e9860a3',
		from: "import { throttle } from 'es-toolkit/compat';",
		to: "import throttle from 'es-toolkit/compat/throttle';",
		needs: ['es-toolkit/compat/throttle'],
	},
	'/string-width/index.js': {
		package: 'string-width',
		version: '8.3.0',
		sha256: 'abc20775da6b552188b098688ebec671e29f5416d6339d3534bb7b016174003e',
		from: STRING_WIDTH_START,
		to: `const narrowText = new RegExp(${JSON.stringify(NARROW_TEXT)}); // canary-console: narrow text
const colourCodes = /\\u001B\\[[0-9;]*m/g;
${STRING_WIDTH_START}
	if (typeof input === 'string' && options.ambiguousIsNarrow !== false) {
		if (narrowText.test(input)) return input.length;
		if (options.countAnsiEscapeCodes !== true && input.includes('\\u001B')) {
			const plain = input.replace(colourCodes, '');
			if (!plain.includes('\\u001B') && narrowText.test(plain)) return plain.length;
		}
	}`,
	},
};

/**
 * Upstream files the console relies on without replacing them: source/ui/ink-output-cache.ts
 * swaps the frame caches of Ink's Output class (it checks their shape as it loads).
 */
export const RELIED_ON: Record<string, Upstream> = {
	'/ink/build/output.js': {package: 'ink', version: '6.8.0', sha256: 'de9078c7fc647c40cf9e32d6658fcbbee91dae9e3f6334e5f4ebfc5905fc401d'},
};

export function sha256(content: string | Uint8Array): string {
	return createHash('sha256').update(content).digest('hex');
}

export function applyEdit(text: string, edit: Edit): string {
	return text.replace(edit.from, edit.to);
}

// Runs on the module-hooks thread: a file is changed only when its content is the one the
// change was written for, and an edit only when what it adds an import of resolves.
const HOOKS = `
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
const patches = ${JSON.stringify(PATCHES)};
const edits = ${JSON.stringify(EDITS)};
const suffixes = [...Object.keys(patches), ...Object.keys(edits)];
function original(url, expected) {
	try {
		return createHash('sha256').update(readFileSync(fileURLToPath(url))).digest('hex') === expected;
	} catch {
		return false;
	}
}
function resolves(url, specifiers) {
	try {
		for (const specifier of specifiers) createRequire(url).resolve(specifier);
		return true;
	} catch {
		return false;
	}
}
export async function load(url, context, nextLoad) {
	if (!url.startsWith('file:')) return nextLoad(url, context);
	const suffix = suffixes.find((candidate) => url.endsWith(candidate));
	const patch = patches[suffix];
	if (patch && original(url, patch.sha256)) return {format: 'module', source: patch.source, shortCircuit: true};
	const edit = edits[suffix];
	if (!edit || !original(url, edit.sha256) || !resolves(url, edit.needs ?? [])) return nextLoad(url, context);
	const loaded = await nextLoad(url, context);
	const text = typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source).toString('utf8');
	return {...loaded, source: text.replace(edit.from, edit.to)};
}`;

/** The installed files the changes apply to, by their suffix. */
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
		'/ink/build/sanitize-ansi.js': join(inkBuild, 'sanitize-ansi.js'),
		'/ink/build/ink.js': join(inkBuild, 'ink.js'),
		'/ink/build/output.js': join(inkBuild, 'output.js'),
	};
}

/** Installed files whose content is not the one recorded for them, with what differs. */
export function upstreamMismatches(): string[] {
	const targets = patchTargets();
	const recorded: Record<string, Upstream> = {...PATCHES, ...EDITS, ...RELIED_ON};
	const wrong: string[] = [];
	for (const [suffix, upstream] of Object.entries(recorded)) {
		const path = targets[suffix]!;
		const actual = sha256(readFileSync(path));
		if (actual !== upstream.sha256) wrong.push(`${path}: sha256 ${actual}, the change was written for ${upstream.package}@${upstream.version} (${upstream.sha256})`);
	}
	return wrong;
}

let registered = false;

/** Call before Ink is first imported: makes sure the bounded modules are the ones that load. */
export function registerInkPatches(): void {
	if (registered) return;
	registered = true;
	register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);
}

export const INK_CACHE_LIMIT = LIMIT;
