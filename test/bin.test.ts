import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

// Which code the bin runs, in the layouts it meets: an installed package (dist/, no sources, no
// tsx), and a checkout without a usable build and without tsx. A temporary folder stands in for
// each, with a dist/cli.js that only says it ran.

function layout(parts: {dist?: boolean; sources?: boolean}): string {
	const root = mkdtempSync(join(tmpdir(), 'canary-bin-'));
	mkdirSync(join(root, 'bin'));
	copyFileSync('bin/canary-console.js', join(root, 'bin', 'canary-console.js'));
	writeFileSync(join(root, 'package.json'), JSON.stringify({name: 'canary-console', type: 'module'}));
	if (parts.dist) {
		mkdirSync(join(root, 'dist'));
		writeFileSync(join(root, 'dist', 'cli.js'), "process.stdout.write('dist ran ' + process.argv.slice(2).join(' '));\n");
		utimesSync(join(root, 'dist', 'cli.js'), new Date(2000, 0, 1), new Date(2000, 0, 1));
	}
	if (parts.sources) {
		mkdirSync(join(root, 'source'));
		writeFileSync(join(root, 'source', 'cli.tsx'), "process.stdout.write('sources ran');\n");
	}
	return root;
}

function run(root: string, args: string[]) {
	return spawnSync(process.execPath, [join(root, 'bin', 'canary-console.js'), ...args], {cwd: tmpdir(), encoding: 'utf8', timeout: 30_000});
}

test('an installed package (dist/, no sources) runs dist/, however old it is', (t) => {
	const root = layout({dist: true});
	t.after(() => rmSync(root, {recursive: true, force: true}));
	const result = run(root, ['status', '--json']);
	assert.equal(result.status, 0, result.stderr);
	assert.equal(result.stdout, 'dist ran status --json');
});

test('a checkout whose dist/ is older than its sources and that has no tsx says how to fix it', (t) => {
	const root = layout({dist: true, sources: true});
	t.after(() => rmSync(root, {recursive: true, force: true}));
	const result = run(root, ['--help']);
	assert.equal(result.status, 1);
	assert.equal(result.stdout, '');
	assert.match(result.stderr, /dist\/ is older than source\/ and tsx \(a devDependency\) is not installed: run `npm ci`/);
});

test('an install with neither dist/ nor sources says to reinstall', (t) => {
	const root = layout({});
	t.after(() => rmSync(root, {recursive: true, force: true}));
	const result = run(root, ['--help']);
	assert.equal(result.status, 1);
	assert.match(result.stderr, /no dist\/.*reinstall canary-console/);
});
