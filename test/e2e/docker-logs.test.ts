import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {createDockerLogSource} from '../../source/adapters/docker/logs.ts';
import {createDockerStatsSource} from '../../source/adapters/docker/stats.ts';
import {inspectServices, suggestNames} from '../../source/adapters/docker/inspect.ts';
import {agentsOf, cli, engineCommand, ensureNetwork, get, hostPort, NAMES, recordingSink, requireEngine, startEngine, waitFor} from './docker-harness.ts';

const {docker, engineScript} = requireEngine();
const follow = new AbortController();
const {sink, seen} = recordingSink();

/** Sends n requests to the engine with ids prefix-1..n as user agent, one after the other. */
async function drive(engine: 'stable' | 'canary', prefix: string, n: number): Promise<string[]> {
	const port = await hostPort(NAMES[engine], 8080);
	const ids: string[] = [];
	for (let i = 1; i <= n; i++) {
		const id = `${prefix}-${i}`;
		await waitFor(`${NAMES[engine]} answering`, async () => (await get(port, '/healthz', id)).status > 0, 10_000);
		ids.push(id);
	}
	return ids;
}

function arrived(engine: 'stable' | 'canary', prefix: string): string[] {
	return agentsOf(seen.lines, engine, `${prefix}-`);
}

before(async () => {
	await ensureNetwork();
	await Promise.all([startEngine(NAMES.stable, '1.1.0'), startEngine(NAMES.canary, '1.2.0')]);
	const source = createDockerLogSource(docker, NAMES, {tail: 1000});
	source.follow('stable', sink, follow.signal);
	source.follow('canary', sink, follow.signal);
});

after(async () => {
	follow.abort();
	await cli(['rm', '-f', NAMES.stable, NAMES.canary], {allowFail: true});
});

test('lines from both containers arrive in order per container, stderr marked, in batches', async () => {
	const [a, b] = await Promise.all([drive('stable', 'order-s', 40), drive('canary', 'order-c', 40)]);
	await waitFor('all request lines', () => arrived('stable', 'order-s').length === 40 && arrived('canary', 'order-c').length === 40);
	assert.deepEqual(arrived('stable', 'order-s'), a);
	assert.deepEqual(arrived('canary', 'order-c'), b);
	// uvicorn-style startup lines go to stderr in the lab engine, JSON lines to stdout.
	const startup = seen.lines.filter((l) => l.text.startsWith('INFO:     Started server process'));
	assert.ok(startup.length >= 2, 'startup lines of both engines');
	assert.ok(startup.every((l) => l.stream === 'stderr'));
	assert.ok(seen.lines.filter((l) => l.text.startsWith('{')).every((l) => l.stream === 'stdout'));
	assert.ok(seen.lines.every((l) => !/^\d{4}-\d\d-\d\dT/.test(l.text)), 'timestamp prefix stripped');
	assert.ok(seen.batches < seen.lines.length, 'lines are batched');
	assert.ok(seen.statuses.some((s) => s.engine === 'stable' && s.state === 'attached'));
});

test('docker restart engine-canary: reattached within 2 s, gap marked, no duplicate and no lost line', async () => {
	await drive('canary', 'before-restart', 10);
	await waitFor('lines before restart', () => arrived('canary', 'before-restart').length === 10);
	const gapsBefore = seen.gaps.length;
	await cli(['restart', '-t', '5', NAMES.canary]);
	const restarted = Date.now();
	const gap = await waitFor('gap marker', () => seen.gaps.slice(gapsBefore).find((g) => g.engine === 'canary'), 2000);
	assert.match(gap.reason, /engine-canary restarted/);
	assert.ok(gap.gapMs !== null && gap.gapMs >= 0 && gap.gapMs < 10_000, `gap ${gap.gapMs}`);
	const ids = await drive('canary', 'after-restart', 10);
	await waitFor('lines after restart', () => arrived('canary', 'after-restart').length === 10);
	assert.ok(Date.now() - restarted < 10_000);
	assert.deepEqual(arrived('canary', 'after-restart'), ids);
	assert.deepEqual(arrived('canary', 'before-restart').length, 10, 'no line repeated at the reattach');
	// The lines the engine wrote while stopping arrive once: nothing lost at the boundary.
	await waitFor('shutdown line', () => seen.lines.some((l) => l.engine === 'canary' && l.text.includes('Finished server process')));
	// The marker sits in time order among the canary's lines: the old run's last lines (its
	// shutdown) before it, the new run's after; and it measures a real gap, never 0.0 s.
	const index = seen.gapIndex[seen.gaps.indexOf(gap)]!;
	const canaryBefore = seen.lines.slice(0, index).filter((l) => l.engine === 'canary');
	const canaryAfter = seen.lines.slice(index).filter((l) => l.engine === 'canary');
	assert.ok(canaryBefore.every((l) => l.time <= gap.at), 'no line after the restart before the marker');
	assert.ok(canaryAfter.every((l) => l.time >= gap.at), `no line from before the restart after the marker: ${canaryAfter.filter((l) => l.time < gap.at).map((l) => l.text).join(' | ')}`);
	assert.ok(canaryBefore.some((l) => l.text.includes('Finished server process')), 'the shutdown line comes before the marker');
	assert.ok(gap.gapMs! >= 50, `a restart takes time: gap ${gap.gapMs} ms`);
	const keys = seen.lines.filter((l) => l.engine === 'canary').map((l) => `${l.time} ${l.stream} ${l.text}`);
	assert.equal(new Set(keys).size, keys.length, 'no duplicated line');
});

test('docker rm -f then a new container with the same name: reattached', async () => {
	const gapsBefore = seen.gaps.length;
	await cli(['rm', '-f', NAMES.canary]);
	await waitFor('waiting status', () => seen.statuses.some((s) => s.engine === 'canary' && s.state === 'waiting' && /not found; waiting/.test(s.message ?? '')), 5000);
	await startEngine(NAMES.canary, '1.2.1');
	const gap = await waitFor('recreated gap', () => seen.gaps.slice(gapsBefore).find((g) => g.engine === 'canary'), 5000);
	assert.match(gap.reason, /engine-canary recreated/);
	const ids = await drive('canary', 'recreated', 5);
	await waitFor('lines from the new container', () => arrived('canary', 'recreated').length === 5);
	assert.deepEqual(arrived('canary', 'recreated'), ids);
});

test('memory percent matches docker stats --no-stream within one point', async () => {
	const stats = createDockerStatsSource(docker, NAMES);
	try {
		// Memory moves while `docker stats` takes its two seconds: bracket its reading with ours,
		// one taken before and a fresh one after, and demand it within one point of that range.
		const reading = await stats.read('stable');
		const cli1 = Number((await cli(['stats', '--no-stream', '--format', '{{.MemPerc}}', NAMES.stable])).replace('%', ''));
		const after = await waitFor('a fresh reading', async () => {
			const next = await stats.read('stable');
			return next !== reading ? next : undefined;
		}, 10_000);
		const percents = [reading, after].map((r) => (r.memUsed / r.memLimit) * 100);
		const [low, high] = [Math.min(...percents), Math.max(...percents)];
		assert.equal(reading.memLimit, 256 * 1024 * 1024);
		assert.ok(cli1 >= low - 1 && cli1 <= high + 1, `ours ${low.toFixed(2)}-${high.toFixed(2)} % vs docker stats ${cli1} %`);
		// The first reading is one-shot (memory at once); CPU needs the daemon's second sample.
		const withCpu = await waitFor('a CPU reading', async () => {
			const next = await stats.read('stable');
			return next.cpuPercent !== null ? next : undefined;
		}, 5000);
		assert.ok(withCpu.cpuPercent! >= 0);
		assert.ok(reading.startedAt !== null && reading.startedAt <= Date.now());
		// Later reads come from the cache: immediate.
		const t0 = performance.now();
		await stats.read('stable');
		assert.ok(performance.now() - t0 < 50);
	} finally {
		stats.close();
	}
});

test('inspect: state, restarts, image; a wrong name lists the containers that exist', async () => {
	const [stable, canary, redis] = await inspectServices(docker, [NAMES.stable, NAMES.canary, 'redis-canary']);
	assert.equal(stable!.found, true);
	assert.equal(stable!.state, 'running');
	assert.equal(stable!.image, 'canary-console/lab-engine:e2e');
	assert.equal(stable!.health, 'none');
	assert.equal(canary!.state, 'running');
	assert.equal(redis!.found, false);
	const message = await suggestNames(docker, ['engine-canry', NAMES.stable]);
	assert.match(message ?? '', /no container named engine-canry \(did you mean engine-canary\?\); running containers: .*engine-canary.*engine-stable/);
	assert.equal(await suggestNames(docker, [NAMES.stable]), null);
});

test('Docker daemon stopped mid-run: reported unreachable, then recovered when it returns', async () => {
	const before = seen.statuses.length;
	await engineCommand(engineScript, 'stop');
	try {
		const failed = await waitFor('unreachable status', () => seen.statuses.slice(before).find((s) => s.state === 'failed'), 10_000);
		assert.match(failed.message ?? '', /^Docker unreachable since \d\d:\d\d:\d\d/);
	} finally {
		await engineCommand(engineScript, 'daemon');
	}
	// Both followers report attached again after their last failure.
	const attachedAgain = () => {
		const after = seen.statuses.slice(before);
		let lastFailed = -1;
		after.forEach((s, i) => {
			if (s.state === 'failed') lastFailed = i;
		});
		const later = after.slice(lastFailed + 1).filter((s) => s.state === 'attached');
		return lastFailed >= 0 && later.some((s) => s.engine === 'stable') && later.some((s) => s.engine === 'canary');
	};
	try {
		await waitFor('attached again', attachedAgain, 20_000);
	} catch (error) {
		throw new Error(`${(error as Error).message}; statuses: ${JSON.stringify(seen.statuses.slice(before))}`);
	}
	const ids = await drive('stable', 'after-daemon', 5);
	await waitFor('lines after the daemon returned', () => arrived('stable', 'after-daemon').length === 5);
	assert.deepEqual(arrived('stable', 'after-daemon'), ids);
	const keys = seen.lines.filter((l) => l.engine === 'stable').map((l) => `${l.time} ${l.stream} ${l.text}`);
	assert.equal(new Set(keys).size, keys.length, 'no duplicated line');
});
