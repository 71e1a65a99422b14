import {test} from 'node:test';
import assert from 'node:assert/strict';
import {startEngine} from '../source/lab/engine.ts';
import {percentile, startLoad} from '../source/lab/load.ts';
import {waitUntil} from './helpers/wait.ts';

test('percentile takes the nearest rank', () => {
	assert.equal(percentile([], 0.95), null);
	assert.equal(percentile([5], 0.95), 5);
	assert.equal(percentile(Array.from({length: 100}, (_, i) => i + 1), 0.95), 95);
});

test('the load generator keeps a steady rate, mixes requests, and never bursts after a stall', async () => {
	const lines: string[] = [];
	const engine = await startEngine({port: 0, version: '1.1.0', log: (line) => lines.push(line), stderr: () => {}});
	const load = startLoad({url: engine.url, rps: 200});
	try {
		// Warm up first: loading the HTTP client stalls the first moments, and a stall skips.
		await waitUntil('100 answered requests', () => load.stats().ok > 100);
		const start = load.stats();
		const t0 = Date.now();
		await waitUntil('a second of load', () => Date.now() - t0 >= 1000);
		const end = load.stats();
		const scheduled = end.sent + end.skipped - start.sent - start.skipped;
		assert.ok(Math.abs(scheduled - (200 * (Date.now() - t0)) / 1000) <= 12, `${scheduled} scheduled in ${Date.now() - t0} ms at 200 rps`);
		assert.ok(end.sent - start.sent > 100, `only ${end.sent - start.sent} sent`);

		// Block the event loop for 400 ms: the schedule re-anchors instead of firing 80 at once.
		const before = load.stats().sent;
		const skippedBefore = load.stats().skipped;
		const blockUntil = Date.now() + 400;
		while (Date.now() < blockUntil) {
			// busy: simulates a stalled process
		}
		await new Promise((resolve) => setTimeout(resolve, 30));
		assert.ok(load.stats().sent - before < 40, `burst of ${load.stats().sent - before} after a stall`);
		assert.ok(load.stats().skipped - skippedBefore >= 50, 'the stalled requests are counted as skipped');

		load.setRate(0);
		await waitUntil('every request settled', () => load.stats().sent === load.stats().ok + load.stats().failed);
		const stats = load.stats();
		assert.equal(stats.failed, 0);
		assert.ok((stats.byStatus['422'] ?? 0) + (stats.byStatus['400'] ?? 0) > 0, JSON.stringify(stats.byStatus));
		assert.ok(stats.byStatus['200'] > stats.sent * 0.8);
		assert.equal(stats.durationsMs.length, stats.sent);
		assert.equal(stats.p95Ms, [...stats.durationsMs].sort((a, b) => a - b)[Math.ceil(stats.durationsMs.length * 0.95) - 1]);
		const records = lines.map((line) => JSON.parse(line));
		const paths = new Set(records.filter((r) => r.message === 'HTTP request processed').map((r) => r.path));
		assert.deepEqual(paths, new Set(['/v1/positions', '/healthz']));
		assert.ok(records.every((r) => r.user_agent === undefined || r.user_agent === 'loadgen/1.0'));
		const health = await (await fetch(`${engine.url}/healthz`)).json();
		assert.ok(health.cache.hit_rate > 0.2 && health.cache.hit_rate < 0.9, `hit rate ${health.cache.hit_rate}`);
	} finally {
		await load.stop();
		await engine.close();
	}
});
