import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import fc from 'fast-check';
import client from 'prom-client';
import {parsePrometheus, type ParsedPage} from '../source/domain/prometheus.ts';
import {summarizeWindow} from '../source/domain/window.ts';
import {HTTP_PROFILE, INVOLUTION_PROFILE} from '../source/domain/profiles.ts';
import type {WindowFigures} from '../source/domain/figures.ts';
import {recordFuzz, runs} from './faults/fuzz-report.ts';

// Properties of the /metrics path over hostile pages: the parser never throws, and no figure
// the screen shows (requests, rps, 5xx ratio, quantile seconds) is ever NaN, infinite or negative.

const FIXTURE = readFileSync(new URL('./fixtures/involution-metrics.prom', import.meta.url), 'utf8');

async function promClientPage(): Promise<string> {
	const registry = new client.Registry();
	const requests = new client.Counter({name: 'http_requests_total', help: 'requests', labelNames: ['code', 'handler'], registers: [registry]});
	const duration = new client.Histogram({name: 'http_request_duration_seconds', help: 'duration', labelNames: ['handler'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry]});
	const involution = new client.Counter({name: 'involution_requests_total', help: 'requests', labelNames: ['endpoint', 'status_code'], registers: [registry]});
	for (let i = 0; i < 50; i++) {
		requests.inc({code: i % 9 === 0 ? '503' : '200', handler: '/v1/positions'});
		involution.inc({endpoint: i % 7 === 0 ? '/healthz' : '/v1/positions', status_code: i % 11 === 0 ? '500' : '200'});
		duration.observe({handler: '/v1/positions'}, (i % 13) / 10);
	}
	return registry.metrics();
}

const PROM_CLIENT = await promClientPage();
const REAL_PAGES = [FIXTURE, PROM_CLIENT];
const PROFILES = [INVOLUTION_PROFILE, HTTP_PROFILE];

const VALUES = ['NaN', '+Inf', '-Inf', 'Inf', 'nan', '-1', '0', '1e308', '-1e308', '1e-320', '4.2', '', 'x', '1e9999', '0x10', '  7  ', '2 3 4', '1 NaN'];
const LES = ['0.01', '0.05', '0.1', '0.2', '0.5', '1.0', '2.0', '5.0', '+Inf', 'NaN', '-1', 'abc', '1e400', '-Inf', ''];

let parsed = 0;
let summarized = 0;

function parse(text: string): ParsedPage {
	parsed++;
	const page = parsePrometheus(text);
	assert.ok(Array.isArray(page.samples) && Array.isArray(page.errors) && page.families instanceof Map);
	assert.ok(page.errors.length <= 50);
	for (const s of page.samples) assert.equal(typeof s.value, 'number');
	return page;
}

/** Every number the screen shows is finite and >= 0, or absent (null). */
function assertShowable(f: WindowFigures, label: string): void {
	const check = (name: string, v: number | null | undefined) => {
		if (v === null || v === undefined) return;
		assert.ok(Number.isFinite(v) && v >= 0, `${label}: ${name} = ${v}`);
	};
	check('requests', f.requests);
	check('rps', f.rps);
	check('errors5xx', f.errors5xx);
	check('ratio5xx', f.ratio5xx);
	if (f.ratio5xx !== null) assert.ok(f.ratio5xx <= 1, `${label}: ratio5xx ${f.ratio5xx} > 1`);
	check('latencyCount', f.latencyCount);
	check('cacheHitRatio', f.cacheHitRatio);
	for (const q of ['p50', 'p95', 'p99'] as const) check(`${q}.seconds`, f[q]?.seconds);
}

function summarize(older: ParsedPage, newer: ParsedPage, seconds: number): void {
	for (const profile of PROFILES) {
		summarized++;
		assertShowable(summarizeWindow(older, newer, seconds, profile), profile.name);
	}
}

// Mutations of a real page, applied line by line.
type Mutation =
	| {op: 'delete'; at: number}
	| {op: 'duplicate'; at: number}
	| {op: 'swap'; at: number; with: number}
	| {op: 'value'; at: number; value: string}
	| {op: 'le'; at: number; le: string}
	| {op: 'insert'; at: number; text: string}
	| {op: 'chars'; at: number; pos: number; text: string};

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.record({op: fc.constant('delete' as const), at: fc.nat()}),
	fc.record({op: fc.constant('duplicate' as const), at: fc.nat()}),
	fc.record({op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat()}),
	fc.record({op: fc.constant('value' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...VALUES), fc.double().map(String))}),
	fc.record({op: fc.constant('le' as const), at: fc.nat(), le: fc.constantFrom(...LES)}),
	fc.record({op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({unit: 'binary', maxLength: 80})}),
	fc.record({op: fc.constant('chars' as const), at: fc.nat(), pos: fc.nat(), text: fc.constantFrom('{', '}', '"', '\\', '=', ',', '#', ' ', '\t', '\r', '\0', '\u2028', '\ud800', 'le="', '} ', '__proto__')}),
);

function mutate(page: string, mutations: Mutation[], cut: number | null): string {
	const lines = page.split('\n');
	for (const m of mutations) {
		if (lines.length === 0) break;
		const at = m.at % lines.length;
		const line = lines[at]!;
		switch (m.op) {
			case 'delete':
				lines.splice(at, 1);
				break;
			case 'duplicate':
				lines.splice(at, 0, line);
				break;
			case 'swap': {
				const other = m.with % lines.length;
				[lines[at], lines[other]] = [lines[other]!, line];
				break;
			}
			case 'value':
				lines[at] = line.replace(/\s\S+$/, ` ${m.value}`);
				break;
			case 'le':
				lines[at] = line.replace(/le="[^"]*"/, `le="${m.le}"`);
				break;
			case 'insert':
				lines.splice(at, 0, m.text);
				break;
			case 'chars': {
				const pos = m.pos % (line.length + 1);
				lines[at] = line.slice(0, pos) + m.text + line.slice(pos);
				break;
			}
		}
	}
	const text = lines.join('\n');
	return cut === null ? text : text.slice(0, cut % (text.length + 1));
}

const mutatedPage = fc
	.tuple(fc.constantFrom(...REAL_PAGES), fc.array(mutation, {maxLength: 12}), fc.option(fc.nat(), {nil: null}))
	.map(([page, mutations, cut]) => mutate(page, mutations, cut));

// A histogram and counters written from scratch: bounds in any order, duplicate series, NaN anywhere.
const numberText = fc.oneof(fc.constantFrom(...VALUES), fc.double().map(String), fc.nat({max: 10_000}).map((n) => `${n}.0`));
const generatedPage = fc
	.record({
		buckets: fc.array(fc.tuple(fc.constantFrom(...LES), numberText), {maxLength: 12}),
		counters: fc.array(fc.tuple(fc.constantFrom('200', '500', '503', '5xx', '404', ''), fc.constantFrom('/v1/positions', '/healthz', '/metrics', ''), numberText), {maxLength: 8}),
		created: fc.array(numberText, {maxLength: 3}),
		cache: fc.array(fc.tuple(fc.constantFrom('hit', 'miss', 'set'), numberText), {maxLength: 4}),
		typed: fc.boolean(),
	})
	.map(({buckets, counters, created, cache, typed}) => {
		const out: string[] = [];
		if (typed) out.push('# TYPE involution_request_duration_seconds histogram', '# TYPE involution_requests_total counter');
		for (const [le, v] of buckets) {
			out.push(`involution_request_duration_seconds_bucket{endpoint="/v1/positions",le="${le}"} ${v}`);
			out.push(`http_request_duration_seconds_bucket{handler="/v1/positions",le="${le}"} ${v}`);
		}
		for (const [code, endpoint, v] of counters) {
			out.push(`involution_requests_total{endpoint="${endpoint}",status_code="${code}"} ${v}`);
			out.push(`http_requests_total{code="${code}",handler="${endpoint}"} ${v}`);
		}
		for (const v of created) out.push(`involution_requests_created{endpoint="/v1/positions",status_code="200"} ${v}`);
		for (const [op, v] of cache) out.push(`involution_cache_operations_total{operation="${op}"} ${v}`);
		return out.join('\n');
	});

// Window lengths as the poller computes them from its clock: 0 (two scrapes in the same ms) up to an hour.
const seconds = fc.oneof(fc.constantFrom(0, 0.001, 2, 5, 60), fc.double({min: 0.001, max: 3600, noNaN: true}));

test('parsePrometheus never throws on random text and binary garbage', (t) => {
	const before = parsed;
	fc.assert(
		fc.property(fc.oneof(fc.string({unit: 'binary', maxLength: 400}), fc.string({unit: 'grapheme-ascii', maxLength: 400}), fc.uint8Array({maxLength: 400}).map((b) => Buffer.from(b).toString('latin1'))), (text) => {
			parse(text);
		}),
		{numRuns: runs(4000), includeErrorInReport: true},
	);
	recordFuzz(t, 'prometheus (random text)', parsed - before);
});

test('parsePrometheus never throws on mutated and truncated real pages (python client, prom-client)', (t) => {
	const before = parsed;
	fc.assert(fc.property(mutatedPage, (text) => void parse(text)), {numRuns: runs(4000), includeErrorInReport: true});
	recordFuzz(t, 'prometheus (mutated real pages)', parsed - before);
});

test('summarizeWindow over two fuzzed pages never shows NaN, Infinity or a negative number', (t) => {
	const before = summarized;
	const page = fc.oneof(mutatedPage, generatedPage);
	fc.assert(
		fc.property(page, page, seconds, (a, b, s) => {
			summarize(parse(a), parse(b), s);
		}),
		{numRuns: runs(5000), includeErrorInReport: true},
	);
	recordFuzz(t, 'window (summarizeWindow, 2 profiles)', summarized - before);
});

test('counters going down (a restart) never give a negative rate', () => {
	const page = (n: number) => `involution_requests_total{endpoint="/v1/positions",status_code="500"} ${n}\ninvolution_request_duration_seconds_bucket{endpoint="/v1/positions",le="+Inf"} ${n}`;
	fc.assert(
		fc.property(fc.nat(), fc.nat(), (a, b) => {
			const f = summarizeWindow(parse(page(a)), parse(page(b)), 5, INVOLUTION_PROFILE);
			assertShowable(f, 'reset');
			if (b < a) assert.equal(f.reset, true);
		}),
		{numRuns: runs(1000), includeErrorInReport: true},
	);
});

test('a 10 MB page and a 10 MB line of garbage are parsed without throwing, in bounded time', (t) => {
	const big = FIXTURE.repeat(Math.ceil((10 * 1024 * 1024) / FIXTURE.length));
	let started = performance.now();
	const page = parse(big);
	const bigMs = performance.now() - started;
	assert.ok(page.samples.length > 10_000);
	const garbage = Buffer.alloc(10 * 1024 * 1024);
	for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
	started = performance.now();
	parse(garbage.toString('latin1'));
	parse('x'.repeat(10 * 1024 * 1024));
	const garbageMs = performance.now() - started;
	t.diagnostic(`10 MB page ${Math.round(bigMs)} ms, 10 MB garbage ${Math.round(garbageMs)} ms`);
	assert.ok(bigMs < 15_000 && garbageMs < 15_000);
	recordFuzz(t, 'prometheus (10 MB pages)', 3);
});

test('fuzz totals', (t) => {
	recordFuzz(t, 'prometheus', parsed);
	recordFuzz(t, 'window', summarized);
});
