import {test} from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';

// The module hook must reach Ink's own modules and keep their caches bounded; checked in a
// fresh process, since a hook only applies to modules loaded after it is registered.

const script = (hook: string) => `
import {registerInkPatches, INK_CACHE_LIMIT} from './source/ui/ink-patches.ts';
import {createRequire, register} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
register(pathToFileURL(${JSON.stringify(hook)}).href);
registerInkPatches();
const build = dirname(createRequire(import.meta.url).resolve('ink'));
const measure = await import(pathToFileURL(join(build, 'measure-text.js')).href);
const wrap = await import(pathToFileURL(join(build, 'wrap-text.js')).href);
for (let i = 0; i < 3 * INK_CACHE_LIMIT; i++) {
	const text = 'request ' + i + ' served 世界';
	if (measure.default(text).width !== text.length + 2) throw new Error('wrong width for ' + text);
	wrap.default(text + ' and a long tail', 20, 'truncate-end');
}
if (wrap.default('abcdefghij', 5, 'truncate-end') !== 'abcd…') throw new Error('wrong cut');
await import('ink');
console.log(JSON.stringify({measure: measure.cacheSize(), wrap: wrap.cacheSize(), limit: INK_CACHE_LIMIT}));
`;

test("Ink's text caches are replaced by bounded ones that measure and cut the same; Ink loads one throttle, not es-toolkit's barrel", () => {
	// A hook that records every module that loads (hooks run on their own thread: a file is the channel).
	const dir = mkdtempSync(join(tmpdir(), 'canary-ink-'));
	const loadedLog = join(dir, 'loaded.txt');
	const hook = join(dir, 'record.mjs');
	writeFileSync(hook, `import {appendFileSync} from 'node:fs';\nexport async function load(url, context, nextLoad) {\n\tappendFileSync(${JSON.stringify(loadedLog)}, url + '\\n');\n\treturn nextLoad(url, context);\n}\n`);
	const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(hook)], {encoding: 'utf8', timeout: 60_000});
	assert.equal(result.status, 0, result.stderr);
	const sizes = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {measure: number; wrap: number; limit: number};
	assert.ok(sizes.measure > 0 && sizes.measure <= sizes.limit, `measure cache ${sizes.measure}`);
	assert.ok(sizes.wrap > 0 && sizes.wrap <= sizes.limit, `wrap cache ${sizes.wrap}`);
	const loaded = readFileSync(loadedLog, 'utf8').trim().split('\n');
	assert.ok(loaded.some((url) => url.endsWith('/ink/build/ink.js')), 'Ink loaded');
	assert.ok(loaded.some((url) => url.includes('/es-toolkit/') && url.endsWith('/throttle.mjs')), "es-toolkit's throttle loaded");
	const compat = loaded.filter((url) => url.includes('/es-toolkit/dist/compat/'));
	assert.ok(compat.length < 20, `${compat.length} modules of es-toolkit/compat loaded (its barrel loads 336)`);
});

test('every upstream file the Ink changes replace or rely on is the one they were written for, and package.json pins its version', async () => {
	const {EDITS, PATCHES, RELIED_ON, upstreamMismatches} = await import('../source/ui/ink-patches.ts');
	assert.deepEqual(upstreamMismatches(), []);
	const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {dependencies: Record<string, string>};
	for (const {package: name, version} of Object.values({...PATCHES, ...EDITS, ...RELIED_ON})) {
		assert.equal(pkg.dependencies[name], version, `package.json pins ${name} to exactly ${version}`);
	}
});

test('the module hook leaves a file it does not know as it is, even at a path it changes', async () => {
	const {EDITS, registerInkPatches} = await import('../source/ui/ink-patches.ts');
	registerInkPatches();
	const dir = mkdtempSync(join(tmpdir(), 'canary-ink-other-'));
	try {
		mkdirSync(join(dir, 'ink', 'build'), {recursive: true});
		mkdirSync(join(dir, 'string-width'));
		const wrap = join(dir, 'ink', 'build', 'wrap-text.js');
		writeFileSync(wrap, "export default () => 'as shipped';\n");
		const width = join(dir, 'string-width', 'index.js');
		writeFileSync(width, `${EDITS['/string-width/index.js']!.from}\n\treturn -1;\n}\n`);
		const loadedWrap = (await import(pathToFileURL(wrap).href)) as {default: () => string};
		assert.equal(loadedWrap.default(), 'as shipped');
		const loadedWidth = (await import(pathToFileURL(width).href)) as {default: (text: string) => number};
		assert.equal(loadedWidth.default('abc'), -1, 'not edited');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});

test('the narrow-text shortcut of string-width: every character it covers is one cell wide in the original', async () => {
	const {NARROW_TEXT, patchTargets, registerInkPatches} = await import('../source/ui/ink-patches.ts');
	registerInkPatches();
	const url = pathToFileURL(patchTargets()['/string-width/index.js']!).href;
	// The same file under another URL is a module of its own, which the hook does not match.
	type Width = (text: string, options?: object) => number;
	const width = ((await import(`${url}?original`)) as {default: Width}).default;
	const patched = ((await import(url)) as {default: Width}).default;
	assert.notEqual(patched, width);
	const narrow = new RegExp(NARROW_TEXT);
	let covered = 0;
	for (let cp = 0; cp <= 0x2fff; cp++) {
		const char = String.fromCodePoint(cp);
		if (!narrow.test(char)) continue;
		covered++;
		assert.equal(width(char), 1, `U+${cp.toString(16).toUpperCase().padStart(4, '0')} is one cell wide`);
	}
	assert.ok(covered > 350, `${covered} characters covered`);
	const coloured = ['\u001b[2m─ logs 444 lines following ───\u001b[22m', '\u001b[1;38;5;12mS\u001b[39m 16:45:16.134 \u001b[33mINFO\u001b[39m  Cache maintenance ✓ → …\u001b[0m', '\u001b[31m世界\u001b[0m', '\u001b[31m─\u001b[2K─', '\u001b[38:5:12m─\u001b[m', '\u009b31m─'];
	for (const text of ['─ log tail ───', 'p95 ▁▂▃▄▅▆▇█ 45ms ▲', 'Ünïcödé → ✓ ✗ …', 'a\u0301 combining', '世界', 'flag 🇩🇪', '\u001b[31mred\u001b[0m', '', ...coloured]) {
		assert.equal(patched(text), width(text), `same width for ${JSON.stringify(text)}`);
		assert.equal(patched(text, {ambiguousIsNarrow: false}), width(text, {ambiguousIsNarrow: false}), `same wide-ambiguous width for ${JSON.stringify(text)}`);
		assert.equal(patched(text, {countAnsiEscapeCodes: true}), width(text, {countAnsiEscapeCodes: true}), `same width counting escape codes for ${JSON.stringify(text)}`);
	}
});

test("Ink's sanitizer keeps its results, bounded, and strips what the original strips", async () => {
	const {INK_CACHE_LIMIT, patchTargets, registerInkPatches} = await import('../source/ui/ink-patches.ts');
	registerInkPatches();
	const url = pathToFileURL(patchTargets()['/ink/build/sanitize-ansi.js']!).href;
	const original = ((await import(`${url}?original`)) as {default: (text: string) => string}).default;
	const patched = (await import(url)) as {default: (text: string) => string; cacheSize: () => number};
	const texts = ['plain', '\u001b[31mred\u001b[0m', 'a\u001b[2Jb\u001b[1;1Hc', '\u001b]8;;https://x\u0007link\u001b]8;;\u0007', '\u009b2Kc1', '\u001b[38:5:12mx', 'cut \u001b[', '世界 ✓', ''];
	for (let round = 0; round < 2; round++) {
		for (const text of texts) assert.equal(patched.default(text), original(text), `same text for ${JSON.stringify(text)} (round ${round + 1})`);
	}
	// Colour codes mixed with anything the tokenizer knows: the same text as the original.
	const piece = fc.constantFrom('row text ', '世界 ✓', '\u001b[1m', '\u001b[36m', '\u001b[39;22m', '\u001b[38:5:12m', '\u001b[m', '\u001b[2K', '\u001b[1;1H', '\u001b]8;;x\u0007', '\u009b31m', '\u0085', '\u001b', '\u001b[', '[31m', 'é');
	fc.assert(
		fc.property(fc.array(piece, {maxLength: 12}), (pieces) => {
			const text = pieces.join('');
			assert.equal(patched.default(text), original(text), `same text for ${JSON.stringify(text)}`);
		}),
		{numRuns: 500},
	);
	for (let i = 0; i < 3 * INK_CACHE_LIMIT; i++) patched.default(`\u001b[32mrequest ${i}\u001b[39m`);
	assert.ok(patched.cacheSize() > 0 && patched.cacheSize() <= INK_CACHE_LIMIT, `cache ${patched.cacheSize()}`);
});
