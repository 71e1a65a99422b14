import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import type {EngineRole, LifecycleEvent, LogGap, ResourceReading} from '../source/core/types.ts';
import {startLab, type Lab, type LabOptions} from '../source/lab/lab.ts';
import {startLabBehind} from '../source/lab/lab-behind.ts';
import {alive} from './helpers/processes.ts';
import {positionsServed} from './helpers/engine-counts.ts';
import {labSeed, waitFor} from './helpers/monitor-lab.ts';

// The faults production has and the lab used to lack, on real lab processes (two engines, the
// lab balancer, the load generator): a crash loop, flapping health, an OOM kill at the memory
// limit. Periods are short so each test takes seconds.

const MB = 1024 * 1024;

interface Watched {
	lab: Lab;
	events: LifecycleEvent[];
	gaps: LogGap[];
	/** Every stats reading taken meanwhile, per engine. */
	readings: Record<EngineRole, ResourceReading[]>;
}

async function withLab(options: LabOptions, body: (w: Watched) => Promise<void>): Promise<void> {
	const seed = labSeed();
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 10, split: {stable: 50, canary: 50}, seed, ...options});
	const pids = new Set(lab.pids());
	const controller = new AbortController();
	const w: Watched = {lab, events: [], gaps: [], readings: {stable: [], canary: []}};
	lab.lifecycle.watch((event) => w.events.push(event), controller.signal);
	lab.logs.follow('canary', {lines: () => {}, gap: (gap) => w.gaps.push(gap), status: () => {}}, controller.signal);
	// Stats polled in the background as the console polls them.
	const poll = setInterval(() => {
		for (const role of ['stable', 'canary'] as const) {
			lab.stats.read(role).then((r) => w.readings[role].push(r), () => {});
		}
		for (const pid of lab.pids()) pids.add(pid);
	}, 50);
	try {
		await body(w);
	} catch (error) {
		process.stderr.write(`lab seed ${seed}: replay with CANARY_LAB_SEED=${seed}\n`);
		throw error;
	} finally {
		clearInterval(poll);
		controller.abort();
		await lab.stop();
	}
	for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} survived stop()`);
}

const of = (w: Watched, engine: EngineRole, kind?: LifecycleEvent['kind']) => w.events.filter((e) => e.engine === engine && (kind === undefined || e.kind === kind));

describe('lab faults', {concurrency: 1}, () => {
	it('crash loop: the canary exits again and again, each exit a die with its code, each restart a start, restart counts rise', async () => {
		await withLab({canaryFaults: {crashLoop: {afterMs: 300, exitCode: 3}}, restartDelayMs: 200}, async (w) => {
			await waitFor('three canary deaths and restarts', () => of(w, 'canary', 'start').length >= 3 && of(w, 'canary', 'die').length >= 3, 20_000, 20);
			const canary = of(w, 'canary');
			// die and start alternate, each die carrying the process's exit code.
			for (let i = 1; i < canary.length; i++) assert.notEqual(canary[i].kind, canary[i - 1].kind, canary.map((e) => e.kind).join(','));
			for (const die of of(w, 'canary', 'die')) assert.equal(die.exitCode, 3);
			assert.equal(of(w, 'canary', 'oom').length, 0);
			assert.deepEqual(of(w, 'stable'), [], 'stable is left alone');

			const restarts = w.readings.canary.map((r) => r.restarts);
			assert.ok(restarts.every((n, i) => i === 0 || n >= restarts[i - 1]), 'restart counts never go down');
			const last = await waitFor('a reading with two restarts', () => w.readings.canary.find((r) => r.restarts >= 2), 5000, 20);
			assert.equal(last.exitCode, 3);
			assert.equal(last.oomKilled, false);
			// Between a death and its restart the reading says so instead of failing.
			await waitFor('a reading taken while the canary was down', () => w.readings.canary.some((r) => r.state === 'restarting' && r.memUsed === 0), 10_000, 20);
			assert.ok(w.readings.stable.every((r) => r.state === 'running' && r.restarts === 0));
			await waitFor('a log gap for a crash restart', () => w.gaps.some((g) => /^engine-canary crashed and restarted, \d+\.\d s gap$/.test(g.reason)), 10_000, 20);
			// The load generator's clients were served throughout, by stable while the canary was
			// down: each engine's own counter (the canary's starts over at every restart).
			const served = {stable: await positionsServed(w.lab.urls.stable), canary: await positionsServed(w.lab.urls.canary).catch(() => 0)};
			assert.ok(served.stable > served.canary, JSON.stringify(served));
		});
	});

	it('aborted requests: the balancer takes the canary out and fails over to stable; the canary stays healthy on its own port and serves nothing', async () => {
		await withLab({canaryFaults: {abortRate: 1}, rps: 20}, async (w) => {
			await waitFor('stable serving the load', async () => (await positionsServed(w.lab.urls.stable)) >= 40, 20_000, 50);
			assert.equal(await positionsServed(w.lab.urls.canary), 0, 'every positions request to the canary was aborted, none counted');
			const health = await fetch(`${w.lab.urls.canary}/healthz`);
			assert.equal(health.status, 200, 'healthy on its own port');
			const load = await w.lab.load.stats();
			// A POST already sent is not passed on (non-idempotent): the one that takes the canary out
			// fails, the rest go to stable for fail_timeout (10 s).
			assert.ok(load.ok >= 40, JSON.stringify(load.byStatus));
			assert.ok(load.failed <= 3, JSON.stringify(load.byStatus));
			assert.deepEqual(of(w, 'canary'), [], 'no restart: only the share shows it');
		});
	});

	it('flapping health: /healthz alternates 200 and 503 with the period while requests still succeed; the seed is named', async () => {
		await withLab({canaryFaults: {healthFlapSec: 0.4}, rps: 2, seed: 12345}, async (w) => {
			// The seed a run used is on the runtime line (the demo's header), so it can be replayed.
			assert.equal(w.lab.seed, 12345);
			assert.match(w.lab.runtime.describe, /, seed 12345\)$/);
			const seen: number[] = [];
			let positionsWhileUnhealthy: number | null = null;
			await waitFor(
				'healthy, unhealthy, healthy, unhealthy',
				async () => {
					const status = (await fetch(`${w.lab.urls.canary}/healthz`)).status;
					if (seen.at(-1) !== status) seen.push(status);
					if (status === 503 && positionsWhileUnhealthy === null) {
						const body = JSON.stringify({when: {utc: '2024-03-01T12:00:00Z'}, system: 'tropical', bodies: ['Sun']});
						positionsWhileUnhealthy = (await fetch(`${w.lab.urls.canary}/v1/positions`, {method: 'POST', body, headers: {'content-type': 'application/json'}})).status;
					}
					return seen.length >= 5;
				},
				8000,
				40,
			);
			for (let i = 1; i < seen.length; i++) assert.ok([200, 503].includes(seen[i]) && seen[i] !== seen[i - 1], seen.join(' '));
			assert.equal(positionsWhileUnhealthy, 200, 'requests succeed while /healthz says unhealthy');
			assert.equal((await fetch(`${w.lab.urls.stable}/healthz`)).status, 200);
			assert.deepEqual(of(w, 'canary'), [], 'flapping is not a restart');
		});
	});

	it('OOM: memory grows to the limit, the supervisor kills it (oom, then die 137), restarts it, and memory starts over', async () => {
		const memLimit = 160 * MB;
		await withLab({canaryFaults: {memoryGrowthMbPerMin: 1800}, memLimit, restartDelayMs: 200}, async (w) => {
			await waitFor('an OOM kill and a restart', () => of(w, 'canary', 'start').length >= 1 && of(w, 'canary', 'die').length >= 1, 20_000, 20);
			const canary = of(w, 'canary');
			assert.deepEqual(canary.slice(0, 3).map((e) => e.kind), ['oom', 'die', 'start']);
			assert.equal(canary[1].exitCode, 137);
			const before = w.readings.canary.filter((r) => r.restarts === 0 && r.state === 'running');
			const peak = Math.max(...before.map((r) => r.memUsed));
			assert.ok(peak >= 0.8 * memLimit, `grew to ${(peak / MB).toFixed(0)} MB of ${memLimit / MB} before the kill`);
			const after = await waitFor('a reading of the restarted canary', () => w.readings.canary.find((r) => r.restarts === 1 && r.state === 'running'), 10_000, 20);
			assert.equal(after.oomKilled, true);
			assert.equal(after.exitCode, 137);
			await waitFor('memory back near its start', () => w.readings.canary.some((r) => r.restarts === 1 && r.state === 'running' && r.memUsed < 0.65 * memLimit), 5000, 20);
			await waitFor('a log gap for the OOM restart', () => w.gaps.some((g) => /^engine-canary was OOM-killed and restarted, \d+\.\d s gap$/.test(g.reason)), 10_000, 20);
			assert.deepEqual(of(w, 'stable'), [], 'stable, below the limit, is left alone');
		});
	});

	it('the demo\'s lab (started behind the first frame) names its seed at once and hands lifecycle events to a watcher from before it was up', async () => {
		const seed = labSeed();
		let release: () => void = () => {};
		const lab = await startLabBehind({hold: new Promise<void>((resolve) => (release = resolve)), balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 0, seed, canaryFaults: {crashAfterMs: 300}, restartDelayMs: 200});
		const events: LifecycleEvent[] = [];
		const controller = new AbortController();
		try {
			assert.equal(lab.runtime.describe, `starting the lab (2 engines, a balancer, a load generator, seed ${seed})...`);
			lab.lifecycle.watch((event) => events.push(event), controller.signal);
			release();
			await lab.ready;
			assert.match(lab.runtime.describe, new RegExp(`, seed ${seed}\\)$`));
			await waitFor('the one-shot crash and its restart', () => events.filter((e) => e.engine === 'canary').length >= 3, 15_000, 20);
			// The first starts too: the watcher was there before the engines.
			const seen = events.map((e) => `${e.engine} ${e.kind} ${e.exitCode ?? ''}`.trim());
			assert.deepEqual(seen.filter((e) => e.startsWith('canary')), ['canary start', 'canary die 1', 'canary start']);
			assert.deepEqual(seen.filter((e) => e.startsWith('stable')), ['stable start']);
			const reading = await waitFor('a reading after the restart', async () => {
				const r = await lab.stats.read('canary');
				return r.restarts === 1 && r.state === 'running' && r;
			}, 5000, 50);
			assert.equal(reading.exitCode, 1);
		} finally {
			controller.abort();
			await lab.stop();
		}
	});
});
