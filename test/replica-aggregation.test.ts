import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parsePrometheus} from '../source/domain/prometheus.ts';
import {mergeReplicaPages} from '../source/domain/replica-merge.ts';
import {summarizeWindow} from '../source/domain/window.ts';
import {INVOLUTION_PROFILE} from '../source/domain/profiles.ts';
import {findOutliers, outlierRules, replicasRow} from '../source/domain/outliers.ts';
import {buildConfig, ConfigError} from '../source/config.ts';
import type {WindowFigures} from '../source/domain/figures.ts';

const BOUNDS = ['0.01', '0.05', '0.1', '0.2', '0.5', '1.0', '2.0', '5.0', '+Inf'];

/** A page of the engine's metrics: `fast` requests at 20 ms, `slow` at 300 ms, `errors` of them 500s. */
function page(fast: number, slow: number, errors = 0): ReturnType<typeof parsePrometheus> {
	const upTo = (le: string) => (le === '+Inf' || Number(le) >= 0.5 ? fast + slow : Number(le) >= 0.05 ? fast : 0);
	const lines = [
		'# TYPE involution_requests_total counter',
		`involution_requests_total{method="POST",endpoint="/v1/positions",status_code="200"} ${fast + slow - errors}`,
		`involution_requests_total{method="POST",endpoint="/v1/positions",status_code="500"} ${errors}`,
		'# TYPE involution_request_duration_seconds histogram',
		...BOUNDS.map((le) => `involution_request_duration_seconds_bucket{method="POST",endpoint="/v1/positions",le="${le}"} ${upTo(le)}`),
		`involution_request_duration_seconds_count{method="POST",endpoint="/v1/positions"} ${fast + slow}`,
	];
	return parsePrometheus(`${lines.join('\n')}\n`);
}

const figures = (older: ReturnType<typeof page>, newer: ReturnType<typeof page>) => summarizeWindow(older, newer, 10, INVOLUTION_PROFILE);

test('role figures from merged replica pages: counters summed, buckets merged before the quantile', () => {
	// Two fast replicas (100 requests each at 20 ms) and one slow one (100 at 300 ms).
	const before = mergeReplicaPages([{id: 'C1', page: page(0, 0)}, {id: 'C2', page: page(0, 0)}, {id: 'C3', page: page(0, 0)}]);
	const after = mergeReplicaPages([{id: 'C1', page: page(100, 0)}, {id: 'C2', page: page(0, 100, 6)}, {id: 'C3', page: page(100, 0)}]);
	const role = figures(before, after);
	assert.equal(role.requests, 300, 'requests are the sum of the replicas');
	assert.equal(role.errors5xx, 6);
	assert.equal(role.ratio5xx, 6 / 300);
	// 95 % of 300 = rank 285: in the 0.2-0.5 bucket (200 fast ones below 0.05), not the average of per-replica p95s.
	const perReplica = [figures(page(0, 0), page(100, 0)), figures(page(0, 0), page(0, 100)), figures(page(0, 0), page(100, 0))];
	const averaged = perReplica.reduce((sum, f) => sum + f.p95!.seconds, 0) / 3;
	assert.ok(Math.abs(role.p95!.seconds - (0.2 + 0.3 * (85 / 100))) < 1e-9, `merged p95 ${role.p95!.seconds}`);
	assert.notEqual(role.p95!.seconds.toFixed(4), averaged.toFixed(4), 'not the average of the replicas\' p95');
});

test('a restart of one replica resets only its own series: the others keep their deltas', () => {
	const before = mergeReplicaPages([{id: 'S1', page: page(1000, 0)}, {id: 'S2', page: page(1000, 0)}]);
	const after = mergeReplicaPages([{id: 'S1', page: page(1100, 0)}, {id: 'S2', page: page(40, 0)}]);
	const role = figures(before, after);
	assert.equal(role.requests, 140, 'S1 +100, S2 counted again from 0: +40');
	assert.equal(role.reset, true);
});

function windowOf(requests: number, p95Ms: number, ratio5xx = 0): WindowFigures {
	const q = {seconds: p95Ms / 1000, atLeast: false};
	return {windowSec: 10, requests, rps: requests / 10, errors5xx: requests * ratio5xx, ratio5xx, latencyCount: requests, p50: q, p95: q, p99: q, cacheHitRatio: null, reset: false};
}

test('an outlier replica is named: +150 ms among two healthy siblings, or 5xx several points above', () => {
	const slow = findOutliers([
		{id: 'C1', figures: windowOf(100, 90)},
		{id: 'C2', figures: windowOf(100, 240)},
		{id: 'C3', figures: windowOf(100, 95)},
	]);
	assert.deepEqual(slow.map((o) => o.id), ['C2']);
	assert.match(slow[0]!.reason, /C2 p95 240 ms vs 93 ms/);
	// Two replicas: the slow one is flagged, the healthy one is not (it is not above the other).
	assert.deepEqual(findOutliers([{id: 'C1', figures: windowOf(100, 90)}, {id: 'C2', figures: windowOf(100, 240)}]).map((o) => o.id), ['C2']);
	// +60 ms over 90 is under max(100 ms, 50 %): not an outlier.
	assert.deepEqual(findOutliers([{id: 'C1', figures: windowOf(100, 90)}, {id: 'C2', figures: windowOf(100, 150)}]), []);
	// 5xx 4 % against 0 %: several points above.
	assert.deepEqual(findOutliers([{id: 'S1', figures: windowOf(100, 50)}, {id: 'S2', figures: windowOf(100, 50, 0.04)}, {id: 'S3', figures: windowOf(100, 50)}]).map((o) => o.id), ['S2']);
	// Too few requests: not judged.
	assert.deepEqual(findOutliers([{id: 'C1', figures: windowOf(5, 90)}, {id: 'C2', figures: windowOf(5, 900)}]), []);
});

test('the verdict row: WARN naming the replica, PASS when they agree, absent for a single pair', () => {
	const stable = [{id: 'S1', figures: windowOf(100, 80)}, {id: 'S2', figures: windowOf(100, 85)}];
	const sick = replicasRow({stable, canary: [{id: 'C1', figures: windowOf(100, 90)}, {id: 'C2', figures: windowOf(100, 240)}]}, 60);
	assert.equal(sick?.state, 'WARN');
	assert.match(sick!.reason, /outlier: C2 p95 240 ms vs 90 ms/);
	assert.equal(sick!.canary, 1);
	const fine = replicasRow({stable, canary: [{id: 'C1', figures: windowOf(100, 90)}, {id: 'C2', figures: windowOf(100, 95)}]}, 60);
	assert.equal(fine?.state, 'PASS');
	assert.equal(replicasRow({stable: [stable[0]!], canary: [{id: 'C1', figures: windowOf(100, 90)}]}, 60), null);
});

test('the outlier rules are the config\'s thresholds: a team that tolerates +200 ms between replicas sets it, and a bad value is named', () => {
	const replicas = [{id: 'C1', figures: windowOf(100, 90)}, {id: 'C2', figures: windowOf(100, 240)}, {id: 'C3', figures: windowOf(100, 92)}];
	assert.deepEqual(findOutliers(replicas, outlierRules(buildConfig([]).thresholds)).map((o) => o.id), ['C2'], 'the defaults: +100 ms');
	const tolerant = buildConfig([{thresholds: {replicaP95Ms: 200}}]).thresholds;
	assert.deepEqual(findOutliers(replicas, outlierRules(tolerant)), []);
	const row = replicasRow({stable: [], canary: replicas}, 60, outlierRules(tolerant));
	assert.equal(row?.state, 'PASS');
	assert.match(row!.threshold, /max\(200 ms, 50 %\)/);
	// Fewer requests than replicaMinRequests: not compared at all.
	assert.deepEqual(findOutliers(replicas, outlierRules(buildConfig([{thresholds: {replicaMinRequests: 500}}]).thresholds)), []);
	assert.throws(() => buildConfig([{thresholds: {replica5xxPts: -1}}]), (error: Error) => error instanceof ConfigError && /thresholds\.replica5xxPts/.test(error.message));
});
