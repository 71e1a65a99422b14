import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
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

test('the narrow-text shortcut of string-width: every character it covers is one cell wide in the original', async () => {
	const {EDITS, NARROW_TEXT, patchTargets} = await import('../source/ui/ink-patches.ts');
	const path = patchTargets()['/string-width/index.js']!;
	const edit = EDITS['/string-width/index.js']!;
	const installed = readFileSync(path, 'utf8');
	const original = installed.replace(edit.to, edit.from);
	assert.ok(original.includes(edit.from) && !original.includes('narrowText'), 'the original string-width is recovered');
	// Next to the installed file, so its own imports resolve; removed again at once.
	const copy = join(dirname(path), `original-${process.pid}.mjs`);
	writeFileSync(copy, original);
	let width: (text: string, options?: object) => number;
	try {
		width = ((await import(pathToFileURL(copy).href)) as {default: typeof width}).default;
	} finally {
		rmSync(copy);
	}
	const narrow = new RegExp(NARROW_TEXT);
	let covered = 0;
	for (let cp = 0; cp <= 0x2fff; cp++) {
		const char = String.fromCodePoint(cp);
		if (!narrow.test(char)) continue;
		covered++;
		assert.equal(width(char), 1, `U+${cp.toString(16).toUpperCase().padStart(4, '0')} is one cell wide`);
	}
	assert.ok(covered > 350, `${covered} characters covered`);
	const patched = ((await import(pathToFileURL(path).href)) as {default: typeof width}).default;
	for (const text of ['─ log tail ───', 'p95 ▁▂▃▄▅▆▇█ 45ms ▲', 'Ünïcödé → ✓ ✗ …', 'a\u0301 combining', '世界', 'flag 🇩🇪', '\u001b[31mred\u001b[0m', '']) {
		assert.equal(patched(text), width(text), `same width for ${JSON.stringify(text)}`);
		assert.equal(patched(text, {ambiguousIsNarrow: false}), width(text, {ambiguousIsNarrow: false}), `same wide-ambiguous width for ${JSON.stringify(text)}`);
	}
});
