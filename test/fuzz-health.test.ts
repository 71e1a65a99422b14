import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {healthFromFailure, parseHealth} from '../source/domain/health.ts';
import {recordFuzz, runs} from './faults/fuzz-report.ts';

// /healthz bodies from an engine we do not trust: any JSON, any bytes, any status code. The
// reader never throws, the status is one of four, and what it puts on screen is printable.

const STATUSES = new Set(['healthy', 'degraded', 'unhealthy', 'unknown']);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
let inputs = 0;

function check(code: number, body: string, ms: number): void {
	inputs++;
	const r = parseHealth(code, body, ms);
	assert.ok(STATUSES.has(r.status), `status ${r.status}`);
	for (const text of [r.error, r.version]) if (text !== null) assert.ok(!CONTROL.test(text), `control character in ${JSON.stringify(text)}`);
	for (const n of [r.queueDepth, r.cacheHitRate, r.latencyMs, r.httpCode]) if (n !== null) assert.ok(Number.isFinite(n), `number ${n}`);
	if (r.cacheHitRate !== null) assert.ok(r.cacheHitRate >= 0 && r.cacheHitRate <= 1);
	if (code >= 500) assert.equal(r.status, 'unhealthy');
}

const code = fc.oneof(fc.constantFrom(200, 204, 301, 404, 500, 503, 0, -1, 999, Number.NaN), fc.integer({min: -1000, max: 1000}));
const ms = fc.oneof(fc.constantFrom(0, Number.NaN, Number.POSITIVE_INFINITY, -5), fc.double());
const hostile = fc.oneof(fc.string({unit: 'binary', maxLength: 60}), fc.constantFrom('\u001b]0;pwned\u0007', '\u001b[2J', '\u009b31m', '\u202eevil', '\ud800', '__proto__', 'constructor'));
const engineLike = fc.record(
	{
		status: fc.oneof(fc.constantFrom('healthy', 'degraded', 'unhealthy', 'ok', 'OK', 'Healthy', ''), hostile, fc.anything()),
		version: fc.oneof(hostile, fc.anything()),
		error: fc.oneof(hostile, fc.anything()),
		kernels: fc.oneof(fc.boolean(), fc.record({ok: fc.anything(), status: fc.oneof(hostile, fc.anything())}), fc.anything()),
		cache: fc.oneof(fc.record({hit_rate: fc.oneof(fc.double(), fc.constantFrom(-1, 0, 0.5, 1, 50, 100, 101, 1e308), fc.anything())}), fc.anything()),
		pool: fc.oneof(fc.record({queue_depth: fc.oneof(fc.double(), fc.anything())}), fc.anything()),
	},
	{requiredKeys: []},
);

test('parseHealth never throws on random JSON of the engine shape', (t) => {
	const before = inputs;
	fc.assert(fc.property(code, engineLike, ms, (c, body, m) => check(c, JSON.stringify(body) ?? '', m)), {numRuns: runs(5000), includeErrorInReport: true});
	recordFuzz(t, 'health (engine-shaped JSON)', inputs - before);
});

test('parseHealth never throws on any JSON value and on random bytes', (t) => {
	const before = inputs;
	const body = fc.oneof(
		fc.json(),
		fc.anything().map((v) => JSON.stringify(v) ?? ''),
		fc.string({unit: 'binary', maxLength: 300}),
		fc.uint8Array({maxLength: 300}).map((b) => Buffer.from(b).toString('utf8')),
		fc.constantFrom('', '{', '{"status":', 'null', '[]', '"healthy"', '{"status":"healthy"}'.repeat(3), '\u0000', '{"__proto__":{"status":"healthy"}}'),
	);
	fc.assert(fc.property(code, body, ms, (c, b, m) => check(c, b, m)), {numRuns: runs(5000), includeErrorInReport: true});
	recordFuzz(t, 'health (any JSON, bytes)', inputs - before);
});

test('a failed probe reads as unhealthy or unknown with a printable message', () => {
	fc.assert(
		fc.property(fc.constantFrom('timeout', 'refused', 'bad-response', 'error' as const), fc.string({unit: 'binary', maxLength: 200}), (kind, message) => {
			const r = healthFromFailure(kind, message);
			assert.ok(STATUSES.has(r.status));
			assert.ok(r.error !== null && !CONTROL.test(r.error) && r.error.length > 0);
		}),
		{numRuns: runs(500)},
	);
});

test('fuzz totals', (t) => recordFuzz(t, 'health', inputs));
