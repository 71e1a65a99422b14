import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

// The CLI as a script or a pipe sees it: clear messages and exit codes, never a stack trace.

const cli = (args: string[], input = '') =>
	spawnSync(process.execPath, ['bin/canary-console.js', ...args], {encoding: 'utf8', input, timeout: 30_000, env: {...process.env, CI: 'true'}});

test('without a terminal the console says what to use instead, and never starts Ink', () => {
	for (const args of [['demo'], []]) {
		const result = cli(args);
		assert.equal(result.status, 2, result.stderr);
		assert.match(result.stderr, /needs a terminal \(stdin and stdout must be a TTY\)/);
		assert.match(result.stderr, /canary-console status/);
		assert.doesNotMatch(result.stderr + result.stdout, /Raw mode|at .*node_modules|ink/i);
	}
});

test('--help lists the commands; an unknown command or flag is refused with a message', () => {
	const help = cli(['--help']);
	assert.equal(help.status, 0);
	for (const command of ['demo', 'status', 'promote --yes', 'rollback --yes', 'weights 75/25 --yes']) assert.ok(help.stdout.includes(command), command);
	const unknown = cli(['launch']);
	assert.equal(unknown.status, 2);
	assert.match(unknown.stderr, /unknown command "launch"/);
	const flag = cli(['status', '--colour-scheme', 'x']);
	assert.notEqual(flag.status, 0);
	assert.match(flag.stderr, /Unknown flag/);
});

test('a broken config file is reported by path and field', () => {
	const dir = mkdtempSync(join(tmpdir(), 'canary-console-cli-'));
	const broken = join(dir, 'c.json');
	writeFileSync(broken, '{"urls": {"stable": "ftp://x"}}');
	const result = cli(['status', '--config', broken]);
	assert.equal(result.status, 2);
	assert.match(result.stderr, /urls\.stable must be an http:\/\/ URL/);
	assert.doesNotMatch(result.stderr, /    at /);
});
