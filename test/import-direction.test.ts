// Which folder of source/ may import which: the arrows of README.md's Layout section. A new
// import that points back (domain/ reaching out, core/ reaching for adapters/ or ui/) fails here,
// and so does a source file grown past 350 lines.

import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import test from 'node:test';

const SOURCE = resolve(import.meta.dirname, '../source');

/** The entry files: they pick the real adapters, and nothing in the folders imports them. */
const ENTRY = new Set(['cli.tsx', 'runtime.ts', 'headless.ts', 'emergency-command.ts']);

/** Top-level part of source/ a file belongs to: its first folder, 'entry', or 'root' for the other source/*.ts (config, keymap). */
function partOf(file: string): string {
	const rel = relative(SOURCE, file).split('/');
	if (rel.length > 1) return rel[0];
	return ENTRY.has(rel[0].replace(/\.js$/, '')) ? 'entry' : 'root';
}

/** What each part may import besides itself; 'packages' allows npm packages and node:* modules. */
const MAY_IMPORT: Record<string, readonly string[]> = {
	domain: [],
	core: ['domain', 'root', 'packages'],
	adapters: ['core', 'domain', 'root', 'packages'],
	lab: ['core', 'adapters', 'domain', 'root', 'packages'],
	state: ['domain', 'root', 'packages'],
	ui: ['core', 'state', 'domain', 'root', 'packages'],
	root: ['domain', 'packages'],
	entry: ['core', 'adapters', 'lab', 'ui', 'state', 'domain', 'root', 'packages'],
};

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return /\.tsx?$/.test(entry.name) ? [path] : [];
	});
}

/** Every module a file names: static imports, re-exports and dynamic import() calls (comments left out). */
function specifiers(source: string): string[] {
	const text = source.replace(/^\s*\/\/.*$/gm, '');
	const found: string[] = [];
	for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
		found.push(match[1] ?? match[2] ?? match[3]);
	}
	return found;
}

interface Arrow {
	from: string;
	to: string;
	file: string;
	spec: string;
}

function wrongArrows(all: Arrow[]): string[] {
	return all.filter((arrow) => arrow.from !== arrow.to && !(MAY_IMPORT[arrow.from] ?? []).includes(arrow.to)).map((arrow) => `${arrow.file} imports ${arrow.spec} (${arrow.from} -> ${arrow.to})`);
}

function arrows(): Arrow[] {
	return sourceFiles(SOURCE).flatMap((file) =>
		specifiers(readFileSync(file, 'utf8')).map((spec) => {
			const to = spec.startsWith('.') ? partOf(resolve(dirname(file), spec)) : 'packages';
			return {from: partOf(file), to, file: relative(SOURCE, file), spec};
		}),
	);
}

test('the specifier reader sees static, re-exported, side-effect and dynamic imports', () => {
	const text = "import {a} from '../core/x.ts';\nexport type {B} from \"./b.ts\";\nimport './c.ts';\nconst d = await import('../adapters/d.ts');\nimport type {\n\tE,\n} from 'node:fs';";
	assert.deepEqual(specifiers(text), ['../core/x.ts', './b.ts', './c.ts', 'node:fs', '../adapters/d.ts'].sort((x, y) => text.indexOf(x) - text.indexOf(y)));
});

test('every import of source/ points the way the Layout allows', () => {
	const all = arrows();
	assert.ok(all.length > 200, `expected the whole tree, read ${all.length} imports`);
	assert.deepEqual(wrongArrows(all), []);
});

/** Inside core/: automation and the guide's parts drive the Monitor, the Monitor runs the weight flow, all use the ports in core/types.ts. */
const CORE_MAY_IMPORT: Record<string, readonly string[]> = {
	automation: ['monitor', 'change', 'types.ts'],
	guide: ['monitor', 'change', 'types.ts'],
	monitor: ['change', 'types.ts'],
	change: ['types.ts'],
	'types.ts': [],
};

test('inside core/ the arrows run automation and guide -> monitor -> change -> types.ts', () => {
	const core = join(SOURCE, 'core');
	const wrong = sourceFiles(core).flatMap((file) =>
		specifiers(readFileSync(file, 'utf8'))
			.filter((spec) => spec.startsWith('.'))
			.map((spec) => ({from: relative(core, file).split('/')[0], to: relative(core, resolve(dirname(file), spec)).split('/')[0], file: relative(SOURCE, file), spec}))
			.filter((arrow) => !arrow.to.startsWith('..') && arrow.from !== arrow.to && !(CORE_MAY_IMPORT[arrow.from] ?? []).includes(arrow.to))
			.map((arrow) => `${arrow.file} imports ${arrow.spec} (${arrow.from} -> ${arrow.to})`),
	);
	assert.deepEqual(wrong, []);
});

test('a back-arrow is caught: domain/ reaching out, core/ reaching for adapters/ or ui/', () => {
	const back: Arrow[] = [
		{from: 'domain', to: 'core', file: 'domain/x.ts', spec: '../core/types.ts'},
		{from: 'domain', to: 'packages', file: 'domain/y.ts', spec: 'node:fs'},
		{from: 'core', to: 'adapters', file: 'core/change/z.ts', spec: '../../adapters/files/lock.ts'},
		{from: 'core', to: 'ui', file: 'core/monitor/w.ts', spec: '../../ui/format.ts'},
		{from: 'core', to: 'domain', file: 'core/monitor/v.ts', spec: '../../domain/ring.ts'},
	];
	assert.deepEqual(wrongArrows(back), [
		'domain/x.ts imports ../core/types.ts (domain -> core)',
		'domain/y.ts imports node:fs (domain -> packages)',
		'core/change/z.ts imports ../../adapters/files/lock.ts (core -> adapters)',
		'core/monitor/w.ts imports ../../ui/format.ts (core -> ui)',
	]);
});

test('no file under source/ is over 350 lines: a longer one is split by responsibility', () => {
	const long = sourceFiles(SOURCE)
		.map((file) => ({file: relative(SOURCE, file), lines: readFileSync(file, 'utf8').split('\n').length - 1}))
		.filter((entry) => entry.lines > 350);
	assert.deepEqual(long, []);
});
