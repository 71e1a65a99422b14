import {test} from 'node:test';
import assert from 'node:assert/strict';
import {cleanText, healthFromFailure, parseHealth} from '../source/domain/health.ts';

const healthy = JSON.stringify({
	status: 'healthy',
	version: '1.1.0',
	kernels: {loaded: true, bundle: 'de440-1900'},
	cache: {size: 106, hit_rate: 0.32},
	pool: {size: 8, queue_depth: 3, healthy: true},
	metrics: {requests: 10},
});

const cases: Array<{name: string; code: number; body: string; want: Partial<ReturnType<typeof parseHealth>>; error?: RegExp}> = [
	{
		name: 'healthy engine',
		code: 200,
		body: healthy,
		want: {status: 'healthy', httpCode: 200, latencyMs: 12, version: '1.1.0', queueDepth: 3, kernelsOk: true, cacheHitRate: 0.32, error: null},
	},
	{name: 'degraded', code: 200, body: JSON.stringify({status: 'degraded', version: '1.1.0', kernels: {ok: false}}), want: {status: 'degraded', kernelsOk: false}},
	{
		name: 'unhealthy 503 with its error',
		code: 503,
		body: JSON.stringify({status: 'unhealthy', error: 'kernel bundle missing'}),
		want: {status: 'unhealthy', httpCode: 503, error: 'kernel bundle missing'},
	},
	{name: '503 that claims healthy is unhealthy', code: 503, body: JSON.stringify({status: 'healthy'}), want: {status: 'unhealthy'}, error: /HTTP 503/},
	{name: '502 from the balancer, HTML body', code: 502, body: '<html><body>Bad Gateway</body></html>', want: {status: 'unhealthy'}, error: /HTTP 502 .*not a JSON object: "<html>/},
	{name: 'garbage body on 200', code: 200, body: '\u001b[2Jnot json\nat all', want: {status: 'unknown'}, error: /not a JSON object: "\[2Jnot json at all"/},
	{name: 'empty body', code: 200, body: '', want: {status: 'unknown'}, error: /empty body/},
	{name: 'JSON array', code: 200, body: '[1,2]', want: {status: 'unknown'}, error: /not a JSON object/},
	{name: 'no status field', code: 200, body: '{"version":"2"}', want: {status: 'unknown', version: '2'}, error: /no status field/},
	{name: 'odd status', code: 200, body: '{"status":"sleepy"}', want: {status: 'unknown'}, error: /unknown status "sleepy"/},
	{name: '404', code: 404, body: '{"detail":"Not Found"}', want: {status: 'unknown'}, error: /unexpected HTTP 404/},
	{name: 'wrong types are ignored', code: 200, body: '{"status":"healthy","version":7,"pool":{"queue_depth":"x"},"cache":{"hit_rate":"0.5"}}', want: {status: 'healthy', version: null, queueDepth: null, cacheHitRate: null}},
	{name: 'hit rate in percent', code: 200, body: '{"status":"healthy","cache":{"hit_rate":45}}', want: {cacheHitRate: 0.45}},
	{name: 'hostile version text is cleaned', code: 200, body: JSON.stringify({status: 'healthy', version: '1.1\u001b[31m\u202e'}), want: {version: '1.1 [31m'}},
];

for (const c of cases) {
	test(`parseHealth: ${c.name}`, () => {
		const reading = parseHealth(c.code, c.body, 12);
		for (const [key, value] of Object.entries(c.want)) assert.deepEqual(reading[key as keyof typeof reading], value, key);
		if (c.error) assert.match(reading.error ?? '', c.error);
	});
}

test('parseHealth never throws on anything', () => {
	for (const body of [undefined, null, '{', '"str"', 'null', '1e999', '{"status":null}', 'x'.repeat(100_000)]) {
		const reading = parseHealth(Number.NaN, body as unknown as string, Number.NaN);
		assert.ok(['unknown', 'unhealthy'].includes(reading.status));
		assert.ok((reading.error ?? '').length < 200);
	}
});

test('healthFromFailure: refused and timeout mean down, others unknown', () => {
	assert.equal(healthFromFailure('refused', 'connection refused at 127.0.0.1:8082').status, 'unhealthy');
	assert.equal(healthFromFailure('timeout', 'no answer within 5000 ms').error, 'no answer within 5000 ms');
	const bad = healthFromFailure('bad-response', 'bad HTTP response');
	assert.equal(bad.status, 'unknown');
	assert.equal(bad.httpCode, null);
	assert.equal(bad.latencyMs, null);
});

test('cleanText keeps it on one short line', () => {
	assert.equal(cleanText('a\nb\tc'), 'a b c');
	assert.equal(cleanText('x'.repeat(200), 10), `${'x'.repeat(9)}…`);
});
