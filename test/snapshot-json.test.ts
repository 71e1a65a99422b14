import {test} from 'node:test';
import assert from 'node:assert/strict';
import {observedText, renderStatusText, sampleJson, snapshotToJson} from '../source/core/monitor/snapshot-text.ts';
import {startMonitorLab, waitFor} from './helpers/monitor-lab.ts';

// `status --json` is read by scripts: durations in ms to 0.1, percentages to 0.01, and the
// text output shows the very same numbers.

const decimals = (value: number) => (String(value).split('.')[1] ?? '').length;

test('the split sample: ms to 0.1, shares and interval to 0.01, the shares summing to 100 as in the text', () => {
	const sample = {n: 199, stable: 182, canary: 17, unknown: 0, errors: 0, ms: 301.26749, observed: {stable: (182 / 199) * 100, canary: (17 / 199) * 100}, interval: {low: 4.618_033, high: 14.236_91}, method: 'X-Upstream' as const};
	const json = sampleJson(sample)!;
	assert.equal(json.ms, 301.3);
	assert.deepEqual(json.observed, {stable: 91.46, canary: 8.54});
	assert.deepEqual(json.interval, {low: 4.62, high: 14.24});
	assert.equal(observedText(sample.observed, 2), `${json.observed.stable}/${json.observed.canary}`);
	assert.equal(observedText(sample.observed), '91.5/8.5', 'the screen keeps one decimal');
	assert.equal(sampleJson(null), null);
});

test('status text and status --json of one snapshot of a live lab show the same, rounded numbers', async () => {
	const lab = await startMonitorLab();
	try {
		const snapshot = await waitFor(
			'a verdict with latency figures of both engines and a sampled split',
			() => {
				const current = lab.monitor.current();
				const p95 = current.verdict?.checks.find((row) => row.id === 'p95-relative');
				return current.split.observed && p95 && p95.stable !== null && p95.canary !== null && current.engines.canary.resources ? current : null;
			},
			30_000,
		);
		const json = snapshotToJson(snapshot);
		const text = renderStatusText(snapshot);
		const lines = text.split('\n');
		for (const row of json.verdict!.checks) {
			for (const value of [row.stable, row.canary]) {
				if (value === null) continue;
				assert.ok(decimals(value) <= (row.unit === 'ms' ? 1 : 2), `${row.id}: ${value} ${row.unit}`);
			}
			const line = lines.find((entry) => entry.startsWith(row.label));
			assert.ok(line, `${row.label} in the text`);
			const unit = row.unit === 'pts' ? 'pt' : row.unit;
			for (const value of [row.stable, row.canary]) assert.ok(line.includes(value === null ? '-' : ` ${value}${unit} `), `${row.label}: ${value}${unit} in "${line}"`);
		}
		for (const role of ['stable', 'canary'] as const) {
			const engine = json.engines[role];
			const line = lines.find((entry) => entry.startsWith(`${role.padEnd(7)} `))!;
			if (engine.window?.p95Ms != null) assert.match(line, new RegExp(`p95 ${engine.window.p95Ms}ms `));
			for (const ms of [engine.window?.p50Ms, engine.window?.p95Ms, engine.window?.p99Ms, engine.health?.latencyMs]) if (ms != null) assert.ok(decimals(ms) <= 1, `${role} ${ms} ms`);
			if (engine.resources?.memPercent != null) {
				assert.ok(decimals(engine.resources.memPercent) <= 2);
				assert.match(line, new RegExp(`mem ${engine.resources.memPercent}% `));
			}
		}
		const observed = json.split.observed!;
		assert.ok(observed.ms !== null && decimals(observed.ms) <= 1);
		assert.match(text, new RegExp(`sampled ${observed.observed!.stable}/${observed.observed!.canary} \\(N=`));
		for (const row of json.patterns) for (const rate of [row.stablePer1k, row.canaryPer1k]) if (rate !== null) assert.ok(decimals(rate) <= 2, `per 1k ${rate}`);
	} finally {
		await lab.stop();
	}
});
