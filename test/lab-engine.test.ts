import {test} from 'node:test';
import assert from 'node:assert/strict';
import {PassThrough, Writable} from 'node:stream';
import {Pool} from 'undici';
import {startEngine, type EngineHandle} from '../source/lab/engine.ts';
import {createFaultEffects} from '../source/lab/fault-effects.ts';
import {createLineWriter} from '../source/lab/line-writer.ts';
import {faultsFromFlags} from '../source/lab/run.ts';
import {parsePrometheus, type Sample} from '../source/domain/prometheus.ts';
import {settle, waitUntil} from './helpers/wait.ts';

const VALID = JSON.stringify({when: {utc: '2024-03-01T12:00:00Z'}, system: 'tropical', bodies: ['Sun', 'Moon']});
const le = (text: string) => (text === '+Inf' ? Infinity : Number.parseFloat(text));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function withEngine(fn: (engine: EngineHandle, lines: string[], pool: Pool) => Promise<void>, faults = {}): Promise<void> {
	const lines: string[] = [];
	const engine = await startEngine({port: 0, version: '9.9.9', faults, log: (line) => lines.push(line), stderr: () => {}});
	const pool = new Pool(engine.url, {connections: 64});
	try {
		await fn(engine, lines, pool);
	} finally {
		await pool.close();
		await engine.close();
	}
}

async function call(pool: Pool, method: 'GET' | 'POST', path: string, body?: string) {
	const response = await pool.request({method, path, body, headers: body ? {'content-type': 'application/json'} : {}});
	return {status: response.statusCode, headers: response.headers, text: await response.body.text()};
}

/** Sends n requests, `concurrency` at a time, and returns their statuses. */
async function burst(pool: Pool, n: number, concurrency = 100, body = VALID): Promise<number[]> {
	const statuses: number[] = [];
	let next = 0;
	await Promise.all(
		Array.from({length: concurrency}, async () => {
			while (next < n) {
				next++;
				statuses.push((await call(pool, 'POST', '/v1/positions', body)).status);
			}
		}),
	);
	return statuses;
}

async function scrape(pool: Pool): Promise<Sample[]> {
	const page = await call(pool, 'GET', '/metrics');
	assert.equal(page.status, 200);
	const parsed = parsePrometheus(page.text);
	assert.deepEqual(parsed.errors, []);
	return parsed.samples;
}

/** Bucket upper bound holding the 95th percentile of positions requests between two scrapes. */
function p95Bucket(before: Sample[], after: Sample[]): number {
	const buckets = (samples: Sample[]) =>
		new Map(samples.filter((s) => s.name === 'involution_request_duration_seconds_bucket' && s.labels.endpoint === '/v1/positions').map((s) => [le(s.labels.le), s.value]));
	const a = buckets(after);
	const b = buckets(before);
	const bounds = [...a.keys()].sort((x, y) => x - y);
	const total = a.get(Infinity)! - (b.get(Infinity) ?? 0);
	return bounds.find((bound) => a.get(bound)! - (b.get(bound) ?? 0) >= 0.95 * total)!;
}

test('/metrics has the names, labels and buckets of the real engine', async () => {
	await withEngine(async (_engine, _lines, pool) => {
		await burst(pool, 20, 5);
		await call(pool, 'POST', '/v1/positions', '{"when":');
		await call(pool, 'GET', '/healthz');
		await scrape(pool);
		const samples = await scrape(pool);
		const named = (name: string) => samples.filter((s) => s.name === name);
		const labelSet = (name: string) => new Set(named(name).map((s) => Object.keys(s.labels).sort().join(',')));

		assert.deepEqual(labelSet('involution_requests_total'), new Set(['endpoint,method,status_code']));
		const endpoints = new Set(named('involution_requests_total').map((s) => s.labels.endpoint));
		assert.deepEqual(endpoints, new Set(['/v1/positions', '/healthz', '/metrics']));
		assert.ok(named('involution_requests_total').some((s) => s.labels.status_code === '422'));

		const les = named('involution_request_duration_seconds_bucket')
			.filter((s) => s.labels.endpoint === '/v1/positions')
			.map((s) => le(s.labels.le))
			.sort((a, b) => a - b);
		assert.deepEqual(les, [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, Infinity]);
		assert.deepEqual(labelSet('involution_request_duration_seconds_count'), new Set(['endpoint,method']));

		assert.deepEqual(labelSet('involution_errors_total'), new Set(['error_category,error_code']));
		assert.equal(named('involution_errors_total').find((s) => s.labels.error_code === 'INPUT.INVALID')?.labels.error_category, 'INPUT');
		const ops = Object.fromEntries(named('involution_cache_operations_total').map((s) => [s.labels.operation, s.value]));
		assert.equal(ops.miss, 1);
		assert.equal(ops.hit, 19);
		assert.equal(named('involution_cache_hit_rate')[0].value, 0.95);
		assert.equal(named('involution_cache_size_entries')[0].value, 1);
		assert.equal(named('involution_worker_pool_queue_size').length, 1);
		assert.equal(named('involution_system_info_info')[0].labels.version, '9.9.9');
		assert.ok(named('process_resident_memory_bytes')[0].value > 10_000_000);
	});
});

test('a 10 % 5xx fault gives 10 % +/- 3 % 5xx over 2,000 requests, agreeing with /metrics', async () => {
	await withEngine(
		async (_engine, _lines, pool) => {
			const statuses = await burst(pool, 2000);
			const errors = statuses.filter((s) => s >= 500).length;
			assert.ok(Math.abs(errors / 2000 - 0.1) <= 0.03, `5xx fraction ${errors / 2000}`);
			const counted = (await scrape(pool))
				.filter((s) => s.name === 'involution_requests_total' && s.labels.endpoint === '/v1/positions' && s.labels.status_code.startsWith('5'))
				.reduce((sum, s) => sum + s.value, 0);
			assert.equal(counted, errors);
		},
		{errorRate: 0.1},
	);
});

test('the latency fault moves the p95 visible in /metrics', async () => {
	await withEngine(async (engine, _lines, pool) => {
		const s0 = await scrape(pool);
		await burst(pool, 200, 10);
		const s1 = await scrape(pool);
		assert.ok(p95Bucket(s0, s1) <= 0.05, `healthy p95 bucket ${p95Bucket(s0, s1)}`);
		engine.setFaults({latencyMs: 300, jitterMs: 20});
		await burst(pool, 200, 100);
		const s2 = await scrape(pool);
		assert.ok(p95Bucket(s1, s2) >= 0.5, `faulted p95 bucket ${p95Bucket(s1, s2)}`);
	});
});

test('every response carries a fresh X-Request-Id', async () => {
	await withEngine(async (engine, _lines, pool) => {
		engine.setFaults({errorRate: 1});
		const answers = await Promise.all([
			call(pool, 'GET', '/healthz'),
			call(pool, 'GET', '/metrics'),
			call(pool, 'POST', '/v1/positions', VALID),
			call(pool, 'POST', '/v1/positions', 'nope'),
			call(pool, 'GET', '/nowhere'),
			call(pool, 'GET', '/__lab/faults'),
		]);
		assert.deepEqual(answers.map((a) => a.status).map((s) => (s >= 500 ? 500 : s)), [200, 200, 500, 422, 404, 200]);
		const ids = answers.map((a) => String(a.headers['x-request-id']));
		for (const id of ids) assert.match(id, UUID);
		assert.equal(new Set(ids).size, ids.length);
	});
});

test('/__lab/faults changes faults live and rejects bad input', async () => {
	await withEngine(async (_engine, _lines, pool) => {
		const health = JSON.parse((await call(pool, 'GET', '/healthz')).text);
		assert.equal(health.status, 'healthy');
		assert.equal(health.version, '9.9.9');
		assert.deepEqual(Object.keys(health.pool).sort(), ['active', 'healthy', 'queue_depth', 'size']);
		assert.equal(typeof health.cache.hit_rate, 'number');

		const changed = await call(pool, 'POST', '/__lab/faults', JSON.stringify({health: 'unhealthy', latencyMs: 5}));
		assert.equal(changed.status, 200);
		assert.equal(JSON.parse(changed.text).latencyMs, 5);
		const down = await call(pool, 'GET', '/healthz');
		assert.equal(down.status, 503);
		assert.equal(JSON.parse(down.text).status, 'unhealthy');

		await call(pool, 'POST', '/__lab/faults', JSON.stringify({health: 'degraded'}));
		assert.equal(JSON.parse((await call(pool, 'GET', '/healthz')).text).status, 'degraded');
		const current = JSON.parse((await call(pool, 'GET', '/__lab/faults')).text);
		assert.equal(current.latencyMs, 5, 'a patch merges: earlier fields stay');

		assert.equal((await call(pool, 'POST', '/__lab/faults', '{"errorRate": 2}')).status, 400);
		assert.equal((await call(pool, 'POST', '/__lab/faults', '{"nonsense": 1}')).status, 400);
		assert.equal((await call(pool, 'POST', '/__lab/faults', 'not json')).status, 400);
	});
});

test('log lines are JSON with the real fields; client errors WARNING, server errors ERROR with tracebacks', async () => {
	await withEngine(
		async (_engine, lines, pool) => {
			await burst(pool, 60, 10);
			await call(pool, 'POST', '/v1/positions', '{"when":{"utc":"2024-01-01T00:00:00Z"},"system":"tropical","bodies":["Vulcan"]}');
			const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
			for (const r of records) {
				assert.match(String(r.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
				assert.ok(['INFO', 'WARNING', 'ERROR'].includes(String(r.level)));
				assert.equal(r.logger, 'app.main');
				assert.equal(typeof r.message, 'string');
			}
			const processed = records.filter((r) => r.message === 'HTTP request processed');
			assert.equal(processed.length, 61);
			for (const r of processed) {
				assert.match(String(r.request_id), UUID);
				assert.equal(typeof r.duration_ms, 'number');
			}
			const warning = records.find((r) => r.level === 'WARNING');
			assert.equal(warning?.error_code, 'BODIES.UNSUPPORTED');
			assert.equal(warning?.status_code, 400);
			const errors = records.filter((r) => r.level === 'ERROR');
			const withTrace = errors.filter((r) => typeof r.exception === 'string');
			assert.ok(withTrace.length > 0);
			assert.match(String(withTrace[0].exception), /^Traceback \(most recent call last\):\n {2}File "/);
			const handled = errors.filter((r) => r.message === 'Kernel cache checksum mismatch, recomputed');
			assert.ok(handled.length > 0);
			// The handled error leaves its request answered with 200.
			const ids = new Set(handled.map((r) => r.request_id));
			assert.ok(processed.filter((r) => ids.has(r.request_id)).every((r) => r.status_code === 200));
		},
		{errorRate: 0.3, errorMessage: {text: 'Kernel cache checksum mismatch, recomputed', rate: 0.5}},
	);
});

test('logRate writes background lines at the asked rate', async () => {
	const lines: string[] = [];
	const effects = createFaultEffects({log: (line) => lines.push(line), exit: () => {}, random: Math.random});
	effects.apply({...(await import('../source/lab/faults.ts')).HEALTHY, logRate: 500}, {logRate: 500});
	const t0 = Date.now();
	await waitUntil('600 ms of background lines', () => Date.now() - t0 >= 600, {everyMs: 20});
	const elapsed = Date.now() - t0;
	effects.stop();
	const expected = (500 * elapsed) / 1000;
	assert.ok(Math.abs(lines.length - expected) <= 15, `${lines.length} lines in ${elapsed} ms`);
	assert.equal(JSON.parse(lines[0]).level, 'INFO');
});

test('memory growth holds real memory; the crash fault exits with code 1', async () => {
	const exits: number[] = [];
	const lines: string[] = [];
	const {HEALTHY} = await import('../source/lab/faults.ts');
	const effects = createFaultEffects({log: (line) => lines.push(line), exit: (code) => exits.push(code), random: Math.random});
	effects.apply({...HEALTHY, memoryGrowthMbPerMin: 600, crashAfterMs: 100}, {memoryGrowthMbPerMin: 600, crashAfterMs: 100});
	await settle(() => effects.heldMb() >= 10 && exits.length > 0, Boolean, 3000);
	assert.ok(effects.heldMb() >= 10, `held ${effects.heldMb()} MB`);
	assert.deepEqual(exits, [1]);
	assert.equal(JSON.parse(lines[0]).level, 'ERROR');
	effects.stop();
	assert.equal(effects.heldMb(), 0);
});

test('flapping: the first half period healthy, the second unhealthy, and so on; 0 never flaps', async () => {
	const {flapUnhealthy} = await import('../source/lab/faults.ts');
	assert.deepEqual([0, 999, 1000, 1999, 2000, 3500].map((ms) => flapUnhealthy(1, ms)), [false, false, true, true, false, true]);
	assert.equal(flapUnhealthy(0, 1500), false);
});

test('a crash loop exits with its code each time it is armed, as a restarted engine arms it at start', async () => {
	const {HEALTHY} = await import('../source/lab/faults.ts');
	const exits: number[] = [];
	const start = () => {
		const effects = createFaultEffects({log: () => {}, exit: (code) => exits.push(code), random: Math.random});
		const crashLoop = {afterMs: 20, exitCode: 3};
		effects.apply({...HEALTHY, crashLoop}, {...HEALTHY, crashLoop});
		return effects;
	};
	const runs = [start(), start()];
	await settle(() => exits.length, (count) => count >= 2, 3000);
	assert.deepEqual(exits, [3, 3]);
	for (const effects of runs) effects.stop();
});

test('exit codes as Docker reports them: the process code, or 128 + the signal', async () => {
	const {exitCodeOf} = await import('../source/lab/engine-supervisor.ts');
	assert.equal(exitCodeOf(3, null), 3);
	assert.equal(exitCodeOf(null, 'SIGKILL'), 137);
	assert.equal(exitCodeOf(null, 'SIGTERM'), 143);
	assert.equal(exitCodeOf(null, null), null);
});

test('the log writer waits for drain and stays bounded when the reader is slow', async () => {
	let received = 0;
	const slow = new Writable({
		highWaterMark: 1024,
		write(chunk: Buffer, _enc, done) {
			received += chunk.length;
			setTimeout(done, 5);
		},
	});
	const writer = createLineWriter(slow, 64 * 1024);
	const line = 'x'.repeat(99);
	for (let i = 0; i < 100_000; i++) writer.write(line);
	assert.ok(slow.writableLength <= 2048, `stream buffered ${slow.writableLength} bytes`);
	assert.ok(writer.dropped() > 90_000, `dropped ${writer.dropped()}`);
	await writer.flush(2000);
	assert.ok(received > 60_000 && received <= 70_000, `received ${received}`);
	const fast = new PassThrough();
	const ok = createLineWriter(fast);
	ok.write('a');
	assert.equal(fast.read().toString(), 'a\n');
});

test('engine flags become a validated faults patch', () => {
	assert.deepEqual(faultsFromFlags({'latency-ms': '40', 'error-message': 'boom', 'error-message-rate': '0.01', health: 'degraded'}), {
		latencyMs: 40,
		health: 'degraded',
		errorMessage: {text: 'boom', rate: 0.01},
	});
	assert.deepEqual(faultsFromFlags({'crash-loop-ms': '500', 'health-flap-sec': '2'}), {healthFlapSec: 2, crashLoop: {afterMs: 500, exitCode: 1}});
	assert.throws(() => faultsFromFlags({'health-flap-sec': '0.05'}), /healthFlapSec must be 0 \(off\) or at least 0\.1/);
	assert.throws(() => faultsFromFlags({'error-rate': '1.5'}), /errorRate/);
	assert.throws(() => faultsFromFlags({'latency-ms': 'ten'}), /latency-ms/);
});
