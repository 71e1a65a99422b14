// What Docker did to the engines, on a real engine: a crash (the engine's process killed) gives
// `die` with its exit code and `start` when the restart policy brings it back; the stats
// readings carry the state, the exit code and the restart count.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {after, before, test} from 'node:test';
import {createDockerLifecycleSource} from '../../source/adapters/docker/lifecycle.ts';
import {createDockerStatsSource} from '../../source/adapters/docker/stats.ts';
import type {LifecycleEvent} from '../../source/core/types.ts';
import {cli, ensureNetwork, get, hostPort, NAMES, requireEngine, startEngine, waitFor} from './docker-harness.ts';

const {docker} = requireEngine();
const watching = new AbortController();
const events: LifecycleEvent[] = [];

before(async () => {
	await ensureNetwork();
	await Promise.all([startEngine(NAMES.stable, '1.1.0'), startEngine(NAMES.canary, '1.2.0')]);
	createDockerLifecycleSource(docker, NAMES).watch((event) => events.push(event), watching.signal);
});

after(async () => {
	watching.abort();
	await cli(['rm', '-f', NAMES.stable, NAMES.canary], {allowFail: true});
});

/** The engine's own process (the child of the container's init), killed from the host as a crash would. */
async function crash(name: string): Promise<void> {
	const init = Number(await cli(['inspect', '-f', '{{.State.Pid}}', name]));
	const children = readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(/\s+/).map(Number);
	assert.ok(children.length > 0, `the init process ${init} of ${name} has a child`);
	process.kill(children[0]!, 'SIGKILL');
}

test('a crashed engine: die with exit code 137, then start again under the restart policy; readings show the restart, and a stopped engine\'s state and exit code', async () => {
	// The stream is open once it has delivered something, or after a moment: wait for a start of our own.
	await cli(['restart', '-t', '1', NAMES.stable]);
	await waitFor('the start of engine-stable', () => events.some((e) => e.engine === 'stable' && e.kind === 'start'), 10_000);
	const from = events.length;
	await crash(NAMES.canary);
	const died = await waitFor('die of engine-canary', () => events.slice(from).find((e) => e.engine === 'canary' && e.kind === 'die'), 10_000);
	assert.equal(died.exitCode, 137, JSON.stringify(died));
	const started = await waitFor('start of engine-canary', () => events.slice(from).find((e) => e.engine === 'canary' && e.kind === 'start'), 15_000);
	assert.ok(started.at >= died.at, JSON.stringify(events.slice(from)));
	assert.ok(Math.abs(died.at - Date.now()) < 60_000, 'event times are epoch milliseconds');
	assert.ok(!events.slice(from).some((e) => e.engine === 'stable'), 'only the crashed engine');

	const stats = createDockerStatsSource(docker, NAMES);
	try {
		const reading = await waitFor('a reading after the restart', async () => {
			const r = await stats.read('canary');
			return r.restarts >= 1 && r.state === 'running' ? r : undefined;
		}, 15_000);
		// Docker resets the exit code and the OOM flag at the start: the die event above kept the 137.
		assert.equal(reading.exitCode, null);
		assert.equal(reading.oomKilled, false);
		await cli(['stop', '-t', '1', NAMES.canary]);
		const stopped = await waitFor('a reading of the stopped engine', async () => {
			const r = await stats.read('canary');
			return r.state === 'exited' ? r : undefined;
		}, 15_000);
		assert.equal(typeof stopped.exitCode, 'number', JSON.stringify(stopped));
	} finally {
		stats.close();
	}
});

test('an engine killed for memory (--memory 256m): the oom event arrives, then die 137 and a new start', async () => {
	await cli(['start', NAMES.canary]); // the test above left it stopped
	const port = await hostPort(NAMES.canary, 8080);
	await waitFor('engine-canary answering', async () => (await get(port, '/healthz', 'e2e-lifecycle')).status === 200, 15_000);
	const from = events.length;
	// The lab engine's memory fault holds real, touched memory: past the limit the kernel kills it.
	const response = await fetch(`http://127.0.0.1:${port}/__lab/faults`, {method: 'POST', body: JSON.stringify({memoryGrowthMbPerMin: 10_000}), signal: AbortSignal.timeout(5000)});
	assert.equal(response.status, 200);
	const oom = await waitFor('oom of engine-canary', () => events.slice(from).find((e) => e.engine === 'canary' && e.kind === 'oom'), 30_000);
	const died = await waitFor('die of engine-canary', () => events.slice(from).find((e) => e.engine === 'canary' && e.kind === 'die'), 10_000);
	assert.equal(died.exitCode, 137, JSON.stringify(events.slice(from)));
	assert.ok(died.at >= oom.at, JSON.stringify(events.slice(from)));
	// Docker clears OOMKilled at the next start; the event is what keeps the cause.
	await waitFor('start of engine-canary after the kill', () => events.slice(from).some((e) => e.engine === 'canary' && e.kind === 'start' && e.at >= died.at), 15_000);
});
