import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {parsePrometheus} from '../source/domain/prometheus.ts';
import {HTTP_PROFILE, INVOLUTION_PROFILE, getProfile, PROFILE_NAMES} from '../source/domain/profiles.ts';
import {counterDelta, histogramDeltas, histogramQuantile, readGauge, readVersion, summarizeWindow} from '../source/domain/window.ts';

const INF = Number.POSITIVE_INFINITY;
const bounds = [0.05, 0.1, 0.25, 0.5, 1, INF];
const example = [40, 70, 90, 97, 99, 100].map((count, i) => ({le: bounds[i], count}));

test('FACTS §5 worked example: p50 0.0667 s, p95 0.4286 s, p99 1.0 s', () => {
	const near = (q: number, want: number) => {
		const got = histogramQuantile(q, example);
		assert.ok(got, `p${q * 100} missing`);
		assert.equal(got.atLeast, false);
		assert.ok(Math.abs(got.seconds - want) < 0.00005, `p${q * 100} = ${got.seconds}, want ${want}`);
	};
	near(0.5, 0.0667);
	near(0.95, 0.4286);
	near(0.99, 1.0);
});

test('quantile: bucket order on input does not matter', () => {
	assert.deepEqual(histogramQuantile(0.95, [...example].reverse()), histogramQuantile(0.95, example));
});

test('quantile: a rank in +Inf answers the highest finite bound, marked atLeast', () => {
	const deltas = [10, 20, 30, 40, 50, 100].map((count, i) => ({le: bounds[i], count}));
	assert.deepEqual(histogramQuantile(0.95, deltas), {seconds: 1, atLeast: true});
});

test('quantile: no observations is null (never 0)', () => {
	assert.equal(histogramQuantile(0.95, bounds.map((le) => ({le, count: 0}))), null);
	assert.equal(histogramQuantile(0.95, []), null);
});

test('quantile: counts forced non-decreasing', () => {
	const bumpy = [40, 30, 90, 97, 99, 100].map((count, i) => ({le: bounds[i], count}));
	// 40/40/90: rank 50 lands in (0.1, 0.25] at 0.1 + 0.15 * 10 / 50.
	const q = histogramQuantile(0.5, bumpy);
	assert.ok(q && Math.abs(q.seconds - 0.13) < 1e-9, `got ${q?.seconds}`);
});

test('counterDelta: a reset uses the new value and is never negative', () => {
	assert.deepEqual(counterDelta(100, 130), {delta: 30, reset: false});
	assert.deepEqual(counterDelta(100, 7), {delta: 7, reset: true});
	assert.deepEqual(counterDelta(undefined, 5), {delta: 5, reset: false});
	assert.deepEqual(counterDelta(5, Number.NaN), {delta: 0, reset: false});
});

function page(opts: {ok: number; err: number; health: number; buckets: number[]; created?: number; hits?: number; misses?: number}) {
	const les = ['0.01', '0.05', '0.1', '0.2', '0.5', '1.0', '2.0', '5.0', '+Inf'];
	const created = opts.created ?? 1.7e9;
	const lines = [
		'# TYPE involution_requests_total counter',
		`involution_requests_total{endpoint="/v1/positions",method="POST",status_code="200"} ${opts.ok}.0`,
		`involution_requests_total{endpoint="/v1/positions",method="POST",status_code="503"} ${opts.err}.0`,
		`involution_requests_total{endpoint="/healthz",method="GET",status_code="200"} ${opts.health}.0`,
		`involution_requests_total{endpoint="/metrics",method="GET",status_code="500"} ${opts.health}.0`,
		'# TYPE involution_requests_created gauge',
		`involution_requests_created{endpoint="/v1/positions",method="POST",status_code="200"} ${created}`,
		'# TYPE involution_request_duration_seconds histogram',
		// Listed out of order on purpose: "1.0" before "0.5" as text.
		...les
			.map((le, i) => `involution_request_duration_seconds_bucket{endpoint="/v1/positions",le="${le}",method="POST"} ${opts.buckets[i]}.0`)
			.reverse(),
		// Self-polling: slow and frequent, must not move the figures.
		...les.map((le, i) => `involution_request_duration_seconds_bucket{endpoint="/healthz",le="${le}",method="GET"} ${i >= 7 ? opts.health : 0}.0`),
		`involution_cache_operations_total{operation="hit"} ${opts.hits ?? 0}.0`,
		`involution_cache_operations_total{operation="miss"} ${opts.misses ?? 0}.0`,
		`involution_cache_operations_total{operation="set"} ${opts.misses ?? 0}.0`,
	];
	return parsePrometheus(lines.join('\n'));
}

test('summarizeWindow: requests, 5xx, quantiles and cache, self-polling excluded', () => {
	const older = page({ok: 100, err: 0, health: 10, buckets: [0, 0, 50, 100, 100, 100, 100, 100, 100], hits: 10, misses: 10});
	const newer = page({ok: 290, err: 10, health: 40, buckets: [0, 0, 90, 270, 296, 300, 300, 300, 300], hits: 70, misses: 30});
	const w = summarizeWindow(older, newer, 60, INVOLUTION_PROFILE);
	assert.equal(w.windowSec, 60);
	assert.equal(w.requests, 200);
	assert.equal(w.errors5xx, 10);
	assert.equal(w.ratio5xx, 0.05);
	assert.ok(Math.abs((w.rps ?? 0) - 200 / 60) < 1e-9);
	assert.equal(w.latencyCount, 200);
	// deltas: 0/0/40/170/196/200: p95 rank 190 lands in (0.2, 0.5]: 0.2 + 0.3 * 20 / 26.
	assert.ok(w.p95 && Math.abs(w.p95.seconds - (0.2 + (0.3 * 20) / 26)) < 1e-9);
	assert.equal(w.p95?.atLeast, false);
	assert.equal(w.cacheHitRatio, 60 / 80);
	assert.equal(w.reset, false);
});

test('summarizeWindow: an engine restart gives no negative rate and no spike', () => {
	const older = page({ok: 5000, err: 20, health: 300, buckets: [0, 0, 2000, 4000, 5000, 5020, 5020, 5020, 5020], hits: 900, misses: 100});
	const newer = page({ok: 30, err: 0, health: 2, buckets: [0, 0, 10, 28, 30, 30, 30, 30, 30], hits: 3, misses: 1, created: 1.8e9});
	const w = summarizeWindow(older, newer, 30, INVOLUTION_PROFILE);
	assert.equal(w.reset, true);
	assert.equal(w.requests, 30);
	assert.equal(w.errors5xx, 0);
	assert.equal(w.latencyCount, 30);
	assert.ok((w.rps ?? -1) >= 0 && (w.rps ?? 99) <= 1);
	assert.equal(w.cacheHitRatio, 0.75);
});

test('summarizeWindow: a restart caught only by _created (count already past the old one)', () => {
	const older = page({ok: 10, err: 0, health: 1, buckets: [0, 0, 10, 10, 10, 10, 10, 10, 10]});
	const newer = page({ok: 25, err: 0, health: 1, buckets: [0, 0, 10, 10, 10, 10, 10, 10, 10], created: 1.9e9});
	const w = summarizeWindow(older, newer, 30, INVOLUTION_PROFILE);
	assert.equal(w.reset, true);
	assert.equal(w.requests, 25);
});

test('summarizeWindow: no traffic gives null quantiles and ratios, never 0 ms', () => {
	const older = page({ok: 100, err: 1, health: 10, buckets: [0, 0, 50, 100, 101, 101, 101, 101, 101]});
	const newer = page({ok: 100, err: 1, health: 90, buckets: [0, 0, 50, 100, 101, 101, 101, 101, 101]});
	const w = summarizeWindow(older, newer, 60, INVOLUTION_PROFILE);
	assert.equal(w.requests, 0);
	assert.equal(w.rps, 0);
	assert.equal(w.ratio5xx, null);
	assert.equal(w.latencyCount, 0);
	assert.equal(w.p50, null);
	assert.equal(w.p95, null);
	assert.equal(w.p99, null);
	assert.equal(w.cacheHitRatio, null);
});

test('summarizeWindow: the http profile reads code and handler labels', () => {
	const text = (ok: number, bad: number, fast: number, slow: number) =>
		parsePrometheus(
			[
				`http_requests_total{code="200",handler="/api"} ${ok}`,
				`http_requests_total{code="500",handler="/api"} ${bad}`,
				`http_requests_total{code="200",handler="/metrics"} ${ok * 3}`,
				`http_request_duration_seconds_bucket{handler="/api",le="0.1"} ${fast}`,
				`http_request_duration_seconds_bucket{handler="/api",le="1"} ${fast + slow}`,
				`http_request_duration_seconds_bucket{handler="/api",le="+Inf"} ${fast + slow}`,
			].join('\n'),
		);
	const w = summarizeWindow(text(0, 0, 0, 0), text(98, 2, 90, 10), 10, HTTP_PROFILE);
	assert.equal(w.requests, 100);
	assert.equal(w.ratio5xx, 0.02);
	assert.equal(w.latencyCount, 100);
	assert.ok(w.p95 && w.p95.seconds > 0.1 && w.p95.seconds <= 1);
	assert.equal(w.cacheHitRatio, null);
});

test('histogramDeltas sums label sets with different bucket layouts correctly', () => {
	const empty = parsePrometheus('');
	const newer = parsePrometheus(['h_bucket{a="1",le="0.1"} 5', 'h_bucket{a="1",le="+Inf"} 10', 'h_bucket{a="2",le="0.5"} 4', 'h_bucket{a="2",le="+Inf"} 4'].join('\n'));
	const {buckets} = histogramDeltas(empty, newer, 'h');
	assert.deepEqual(
		buckets.map((b) => [b.le, b.count]),
		[
			[0.1, 5],
			[0.5, 9],
			[INF, 14],
		],
	);
});

test('readGauge and readVersion on the engine fixture', () => {
	const fixture = parsePrometheus(readFileSync(new URL('fixtures/involution-metrics.prom', import.meta.url), 'utf8'));
	assert.equal(readGauge(fixture, 'involution_cache_hit_rate'), 0.32051282051282054);
	assert.equal(readGauge(fixture, 'involution_worker_pool_queue_size'), 0);
	assert.equal(readGauge(fixture, 'nope'), null);
	assert.equal(readVersion(fixture, INVOLUTION_PROFILE), '1.2.0');
	assert.equal(readVersion(fixture, HTTP_PROFILE), null);
});

test('profiles by name', () => {
	assert.deepEqual([...PROFILE_NAMES], ['involution', 'http']);
	assert.equal(getProfile('involution'), INVOLUTION_PROFILE);
	assert.equal(getProfile('http'), HTTP_PROFILE);
	assert.equal(getProfile('__proto__'), undefined);
	assert.equal(getProfile('toString'), undefined);
	assert.deepEqual(INVOLUTION_PROFILE.excludedEndpoints, ['/healthz', '/metrics']);
});

test('real prom-client scrapes: p95 within one bucket of the raw p95, and a restart gives no negative rate', async () => {
	const {Registry, Histogram, Counter} = await import('prom-client');
	const buckets = [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
	const engine = () => {
		const registry = new Registry();
		const requests = new Counter({name: 'http_requests_total', help: 'r', labelNames: ['code', 'handler'], registers: [registry]});
		const duration = new Histogram({name: 'http_request_duration_seconds', help: 'd', labelNames: ['handler'], buckets, registers: [registry]});
		return {registry, serve: (s: number, code = '200') => (requests.inc({code, handler: '/api'}), duration.observe({handler: '/api'}, s))};
	};
	// Deterministic spread of durations: 20 ms .. 400 ms with a slow tail.
	const raw = Array.from({length: 400}, (_, i) => 0.02 + ((i * 7919) % 400) / 1000 + (i % 50 === 0 ? 0.8 : 0));
	const first = engine();
	const older = parsePrometheus(await first.registry.metrics());
	for (const s of raw) first.serve(s);
	const newer = parsePrometheus(await first.registry.metrics());
	const w = summarizeWindow(older, newer, 20, HTTP_PROFILE);
	const sorted = [...raw].sort((a, b) => a - b);
	const rawP95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
	const width = (x: number) => {
		const i = buckets.findIndex((b) => b >= x);
		return buckets[i] - (i > 0 ? buckets[i - 1] : 0);
	};
	assert.equal(w.latencyCount, 400);
	assert.ok(w.p95 && Math.abs(w.p95.seconds - rawP95) <= width(rawP95), `p95 ${w.p95?.seconds} vs raw ${rawP95}`);
	// The engine restarts: a fresh registry counts from zero.
	const second = engine();
	for (let i = 0; i < 10; i++) second.serve(0.03, i === 0 ? '500' : '200');
	const afterRestart = summarizeWindow(newer, parsePrometheus(await second.registry.metrics()), 20, HTTP_PROFILE);
	assert.equal(afterRestart.reset, true);
	assert.equal(afterRestart.requests, 10);
	assert.equal(afterRestart.errors5xx, 1);
	assert.equal(afterRestart.latencyCount, 10);
	assert.ok(afterRestart.p95 && afterRestart.p95.seconds <= 0.05);
});
