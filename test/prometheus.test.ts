import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {Counter, Gauge, Histogram, Registry, Summary} from 'prom-client';
import {parsePrometheus, parseValue} from '../source/domain/prometheus.ts';
import {findSamples, histogramSeries, summarySeries} from '../source/domain/series.ts';

const fixture = readFileSync(new URL('fixtures/involution-metrics.prom', import.meta.url), 'utf8');

test('parses the Python-client page of the engine', () => {
	const page = parsePrometheus(fixture);
	assert.deepEqual(page.errors, []);
	const requests = page.families.get('involution_requests_total');
	assert.equal(requests?.type, 'counter');
	assert.equal(requests?.help, 'Total HTTP requests');
	assert.equal(requests?.samples.length, 5);
	assert.deepEqual(findSamples(page, 'involution_requests_total', {endpoint: '/v1/positions', status_code: '422'})[0], {
		name: 'involution_requests_total',
		labels: {endpoint: '/v1/positions', method: 'POST', status_code: '422'},
		value: 9,
	});
	// prometheus_client writes _created as its own gauge family.
	assert.equal(page.families.get('involution_requests_created')?.type, 'gauge');
	assert.equal(page.families.get('involution_requests_created')?.samples[0].value, 1.7957708669805906e9);
	const info = findSamples(page, 'involution_system_info_info')[0];
	assert.equal(info.labels.version, '1.2.0');
	assert.equal(info.value, 1);
});

test('groups histogram series per label set with buckets sorted by numeric bound', () => {
	const page = parsePrometheus(fixture);
	const family = page.families.get('involution_request_duration_seconds');
	assert.equal(family?.type, 'histogram');
	assert.equal(family?.samples.length, 3 * 11);
	const series = histogramSeries(page, 'involution_request_duration_seconds');
	assert.equal(series.length, 3);
	const positions = series.find((s) => s.labels.endpoint === '/v1/positions');
	assert.deepEqual(positions?.labels, {endpoint: '/v1/positions', method: 'POST'});
	assert.deepEqual(
		positions?.buckets.map((b) => b.le),
		[0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, Number.POSITIVE_INFINITY],
	);
	assert.equal(positions?.count, 177);
	assert.equal(positions?.sum, 24.065928110001096);
	assert.equal(positions?.created, 1.7957708671502442e9);
});

test('sorts buckets by bound even when the page lists them out of order', () => {
	const page = parsePrometheus(
		['# TYPE h histogram', 'h_bucket{le="+Inf"} 5', 'h_bucket{le="10.0"} 4', 'h_bucket{le="2.5"} 3', 'h_bucket{le="1.0"} 1'].join('\n'),
	);
	assert.deepEqual(
		histogramSeries(page, 'h')[0].buckets.map((b) => [b.le, b.count]),
		[
			[1, 1],
			[2.5, 3],
			[10, 4],
			[Number.POSITIVE_INFINITY, 5],
		],
	);
});

test('parses a real prom-client page', async () => {
	const registry = new Registry();
	const counter = new Counter({name: 'http_requests_total', help: 'Requests "quoted" \\ back', labelNames: ['code', 'handler'], registers: [registry]});
	const histogram = new Histogram({name: 'http_request_duration_seconds', help: 'Duration', labelNames: ['handler'], buckets: [0.1, 0.5, 1], registers: [registry]});
	const gauge = new Gauge({name: 'queue_size', help: 'Queue\nsize', registers: [registry]});
	const summary = new Summary({name: 'work_seconds', help: 'Work', percentiles: [0.5, 0.9], registers: [registry]});
	counter.inc({code: '200', handler: '/a "b"\\c\nd'}, 7);
	counter.inc({code: '503', handler: '/x'}, 2);
	histogram.observe({handler: '/x'}, 0.05);
	histogram.observe({handler: '/x'}, 0.7);
	histogram.observe({handler: '/y'}, 3);
	gauge.set(Number.NaN);
	summary.observe(1);
	summary.observe(3);
	const page = parsePrometheus(await registry.metrics());
	assert.deepEqual(page.errors, []);
	assert.equal(page.families.get('http_requests_total')?.help, 'Requests "quoted" \\ back');
	assert.equal(page.families.get('queue_size')?.help, 'Queue\nsize');
	assert.equal(findSamples(page, 'http_requests_total', {handler: '/a "b"\\c\nd'})[0]?.value, 7);
	assert.equal(findSamples(page, 'http_requests_total', {code: '503'})[0]?.value, 2);
	assert.ok(Number.isNaN(findSamples(page, 'queue_size')[0].value));
	const series = histogramSeries(page, 'http_request_duration_seconds');
	assert.deepEqual(
		series.map((s) => [s.labels.handler, s.buckets.map((b) => b.count), s.count]),
		[
			['/x', [1, 1, 2, 2], 2],
			['/y', [0, 0, 0, 1], 1],
		],
	);
	const work = summarySeries(page, 'work_seconds');
	assert.equal(work.length, 1);
	assert.deepEqual(
		work[0].quantiles.map((q) => q.q),
		[0.5, 0.9],
	);
	assert.equal(work[0].count, 2);
	assert.equal(work[0].sum, 4);
});

const lines: Array<{name: string; line: string; value?: number; labels?: Record<string, string>; timestamp?: number; error?: RegExp}> = [
	{name: 'plain', line: 'up 1', value: 1, labels: {}},
	{name: 'NaN', line: 'x NaN', value: Number.NaN},
	{name: '+Inf', line: 'x +Inf', value: Number.POSITIVE_INFINITY},
	{name: '-Inf', line: 'x -Inf', value: Number.NEGATIVE_INFINITY},
	{name: 'exponent', line: 'x 1.5e+09', value: 1.5e9},
	{name: 'timestamp', line: 'x{a="b"} 3 1712345678000', value: 3, timestamp: 1712345678000},
	{name: 'escapes', line: String.raw`x{p="a\\b",q="say \"hi\"",r="l1\nl2"} 2`, labels: {p: 'a\\b', q: 'say "hi"', r: 'l1\nl2'}},
	{name: 'trailing comma and spaces', line: 'x{ a = "1" , } 4', labels: {a: '1'}, value: 4},
	{name: 'exemplar ignored', line: 'x_bucket{le="0.5"} 7 # {trace_id="abc"} 0.31 1712345678.1', value: 7, labels: {le: '0.5'}},
	{name: 'label with # inside', line: 'x{path="/a#b"} 5', value: 5, labels: {path: '/a#b'}},
	{name: '__proto__ label stays a label', line: 'x{__proto__="p"} 1', labels: {['__proto__']: 'p'}},
	{name: 'CRLF', line: 'x 9\r', value: 9},
	{name: 'no value', line: 'x{a="b"}', error: /no value/},
	{name: 'bad value', line: 'x abc', error: /bad value/},
	{name: 'empty number', line: 'x 0x10', error: /bad value/},
	{name: 'unterminated label', line: 'x{a="b} 1', error: /unterminated|expected/},
	{name: 'bad label name', line: 'x{1a="b"} 1', error: /bad label name/},
	{name: 'missing =', line: 'x{a"b"} 1', error: /expected =/},
	{name: 'garbage', line: '<html>oops</html>', error: /no metric name/},
	{name: 'extra tokens', line: 'x 1 2 3', error: /unexpected text/},
	{name: 'bad timestamp', line: 'x 1 later', error: /bad timestamp/},
];

for (const c of lines) {
	test(`line: ${c.name}`, () => {
		const page = parsePrometheus(c.line);
		if (c.error) {
			assert.equal(page.samples.length, 0);
			assert.equal(page.errors.length, 1);
			assert.match(page.errors[0], c.error);
			assert.match(page.errors[0], /^line 1: /);
			return;
		}
		assert.deepEqual(page.errors, []);
		assert.equal(page.samples.length, 1);
		const sample = page.samples[0];
		if (c.value !== undefined) assert.ok(Object.is(sample.value, c.value) || (Number.isNaN(c.value) && Number.isNaN(sample.value)), `value ${sample.value}`);
		if (c.labels) assert.deepEqual({...sample.labels}, c.labels);
		assert.equal(sample.timestamp, c.timestamp);
	});
}

test('OpenMetrics: # EOF ends the page, _created and _total join their family, UNIT is accepted', () => {
	const text = [
		'# TYPE jobs counter',
		'# UNIT jobs jobs',
		'# HELP jobs Jobs done.',
		'jobs_total{kind="a"} 3.0 1712345678.5',
		'jobs_created{kind="a"} 1712340000.0',
		'# EOF',
		'after_eof 1',
	].join('\n');
	const page = parsePrometheus(text);
	const family = page.families.get('jobs');
	assert.equal(family?.type, 'counter');
	assert.deepEqual(
		family?.samples.map((s) => s.name),
		['jobs_total', 'jobs_created'],
	);
	assert.equal(family?.samples[0].timestamp, 1712345678.5);
	assert.equal(page.samples.some((s) => s.name === 'after_eof'), false);
	assert.equal(page.errors.length, 1);
	assert.match(page.errors[0], /after # EOF/);
});

test('garbage never throws: good lines survive, bad ones are counted, errors are capped', () => {
	const junk = Array.from({length: 200}, (_, i) => `\u0000\u001b[31m{{{ ${i}`).join('\n');
	const page = parsePrometheus(`${junk}\nok 1\n# TYPE t nonsense\n# HELP\n`);
	assert.deepEqual(
		page.samples.map((s) => s.name),
		['ok'],
	);
	assert.equal(page.errors.length, 50);
	assert.doesNotThrow(() => parsePrometheus(undefined as unknown as string));
	assert.deepEqual(parsePrometheus('').samples, []);
});

test('parseValue accepts the format and refuses the rest', () => {
	assert.equal(parseValue('25.0'), 25);
	assert.equal(parseValue('-0.5'), -0.5);
	assert.equal(parseValue('.5'), 0.5);
	assert.equal(parseValue('Inf'), Number.POSITIVE_INFINITY);
	assert.equal(parseValue(''), null);
	assert.equal(parseValue('1,5'), null);
	assert.equal(parseValue('Infinity'), null);
});
