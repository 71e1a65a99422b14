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

test('a config typo or an out-of-range value stops the CLI with exit 2, naming the key, the closest valid key and the allowed values', () => {
	const dir = mkdtempSync(join(tmpdir(), 'canary-console-cli-'));
	const cases: [object, RegExp[]][] = [
		[{thresholds: {p95FailMS: 250}}, [/unknown key "thresholds\.p95FailMS"/, /did you mean "thresholds\.p95FailMs"\?/, /Keys allowed at thresholds: p95WarnMs, p95FailMs/]],
		[{soakMinuts: 60}, [/unknown key "soakMinuts"/, /did you mean "soakMinutes"\?/]],
		[{stages: ['90/10', '60/30']}, [/stages\[1\] must be a split "stable\/canary" of whole percentages adding up to 100/, /adds up to 90, not 100/]],
		[{thresholds: {ratio5xxWarnPct: -0.1}}, [/thresholds\.ratio5xxWarnPct must be a number from 0 to 100 \(got -0\.1\)/]],
	];
	for (const [index, [content, messages]] of cases.entries()) {
		const path = join(dir, `config-${index}.json`);
		writeFileSync(path, JSON.stringify(content));
		// status would reach for Docker: the config is refused before anything starts.
		const result = cli(['status', '--config', path]);
		assert.equal(result.status, 2, result.stderr);
		for (const message of messages) assert.match(result.stderr, message);
		assert.match(result.stderr, /^canary-console: /);
		assert.doesNotMatch(result.stderr, /    at /);
		assert.equal(result.stdout, '');
	}
	// A flag out of range is named by its config key too.
	const flag = cli(['status', '--window', '-5']);
	assert.equal(flag.status, 2);
	assert.match(flag.stderr, /windowSec must be a number above 0 \(got -5\)/);
});
