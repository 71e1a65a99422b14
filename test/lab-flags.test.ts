import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {pickPorts} from '../source/lab/lab-process.ts';

// The lab's flags as a user types them: a bad value is refused with a message before anything
// starts; a good seed is named in the snapshot, so the run can be replayed.

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/canary-console.js', ...args], {encoding: 'utf8', timeout: 30_000, env: {...process.env, CI: 'true'}});

test('bad --seed, --canary-faults, --stable-faults and --lab-mem-limit are refused with what was wrong', () => {
	const cases: Array<[string[], RegExp]> = [
		[['--seed', 'seven'], /--seed must be a whole number from 0 to 4294967295 \(got seven\)/],
		[['--seed', '4294967296'], /--seed must be a whole number/],
		[['--canary-faults', '{"crashLoop":'], /--canary-faults: not JSON/],
		[['--canary-faults', '{"crashLoop":{"afterMs":-1}}'], /--canary-faults: crashLoop\.afterMs must be a number from 0/],
		[['--stable-faults', '{"healthFlapSec":0.01}'], /--stable-faults: healthFlapSec must be 0 \(off\) or at least 0\.1/],
		[['--stable-faults', '{"oom":true}'], /--stable-faults: unknown fault "oom"/],
		[['--lab-mem-limit', '8'], /--lab-mem-limit must be from 64 to 65536 MB/],
	];
	for (const [flags, message] of cases) {
		const result = cli(['status', '--demo', '--balancer', 'lab', ...flags]);
		assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
		assert.match(result.stderr, message);
		assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
	}
});

test('status --demo --json names the lab seed it ran with; faults from the flags reach the engines', async () => {
	// Free ports, not the demo's 9100-9102: another lab may run on this machine.
	const ports = Object.values(await pickPorts({balancer: 0, stable: 0, canary: 0})).join(',');
	const child = spawn(process.execPath, ['bin/canary-console.js', 'status', '--demo', '--json', '--balancer', 'lab', '--lab-ports', ports, '--seed', '4242', '--window', '4', '--canary-faults', '{"health":"unhealthy"}'], {env: {...process.env, CI: 'true'}});
	let out = '';
	let err = '';
	child.stdout.on('data', (chunk) => (out += chunk));
	child.stderr.on('data', (chunk) => (err += chunk));
	const code = await new Promise((resolve) => child.on('exit', resolve));
	assert.ok(out.length > 0, err);
	const snapshot = JSON.parse(out);
	assert.equal(snapshot.runtime.describe, 'lab (2 engines + lab balancer, seed 4242)', `exit ${code}`);
	assert.equal(snapshot.engines.canary.health.status, 'unhealthy');
});
