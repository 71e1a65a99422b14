import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describeRun, engineCommand, NAMES, requireEngine, runConsole} from './docker-harness.ts';
import {freePort} from '../helpers/ports.ts';

// A Docker daemon that goes away under the console: it says so and keeps answering. Runs after
// the console file and before the others, and starts the daemon again for them.

const {engineScript} = requireEngine();

test('the Docker daemon stopped: status --json still answers (exit 0) and says Docker is unreachable', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'canary-console-e2e-down-'));
	const configFile = join(dir, 'console.json');
	const [balancer, stable, canary] = [await freePort(), await freePort(), await freePort()];
	await writeFile(configFile, JSON.stringify({
		urls: {balancer: `http://127.0.0.1:${balancer}`, stable: `http://127.0.0.1:${stable}`, canary: `http://127.0.0.1:${canary}`},
		docker: {names: {stable: NAMES.stable, canary: NAMES.canary, nginx: 'nginx-canary', services: ['nginx-canary']}},
		stateDir: join(dir, 'state'),
	}));
	await engineCommand(engineScript, 'stop');
	try {
		const run = await runConsole(configFile, ['status', '--now']);
		assert.equal(run.code, 0, describeRun(run));
		const text = JSON.stringify({notices: run.json.notices, logs: [run.json.engines.stable.logs, run.json.engines.canary.logs]});
		assert.match(text, /Docker (unreachable since|socket \S+ not found|daemon at \S+ refused)/, text);
		assert.ok(run.json.notices.some((n: {level: string}) => n.level === 'error'), text);
		assert.ok(!/\bat .*\.ts:\d+/.test(run.stderr), `no stack trace: ${run.stderr}`);
	} finally {
		await engineCommand(engineScript, 'daemon');
		await rm(dir, {recursive: true, force: true});
	}
});
