import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {parsePrometheus, type ParsedPage} from '../source/domain/prometheus.ts';
import {HTTP_PROFILE, INVOLUTION_PROFILE} from '../source/domain/profiles.ts';
import {summarizeWindow, windowSampleNames} from '../source/domain/window.ts';
import {WindowPages} from '../source/domain/window-page.ts';
import {mergeReplicaPages} from '../source/domain/replica-merge.ts';

// A scrape kept for the analysis window holds only what the window figures read: the figures
// from kept pages are the figures from the full pages, for one engine and for merged replicas.

const fixture = readFileSync(new URL('fixtures/involution-metrics.prom', import.meta.url), 'utf8');

/** The fixture later: every counter and bucket times `factor`, `_created` unchanged (or moved: a restart). */
function later(factor: number, created = 0): string {
	return fixture.replace(/^([a-z_]+)(\{[^}]*\})? (\S+)$/gm, (_line, name: string, labels = '', value: string) =>
		name.endsWith('_created') ? `${name}${labels} ${Number(value) + created}` : `${name}${labels} ${Number(value) * factor}`,
	);
}

test('figures from kept pages equal the full pages: traffic, restart by a count going down, restart by _created', () => {
	const cases: Array<[string, string]> = [
		[fixture, later(3)],
		[later(5), later(2)],
		[fixture, later(4, 100)],
	];
	for (const [older, newer] of cases) {
		const pages = new WindowPages(INVOLUTION_PROFILE);
		const full = [parsePrometheus(older), parsePrometheus(newer)] as const;
		const kept = [pages.keep(full[0]), pages.keep(full[1])] as const;
		const want = summarizeWindow(full[0], full[1], 60, INVOLUTION_PROFILE);
		assert.ok(want.requests > 0, 'the case has traffic');
		assert.deepEqual(summarizeWindow(kept[0], kept[1], 60, INVOLUTION_PROFILE), want);
	}
});

test('merged replica pages kept and merged from kept pages give the role the same figures', () => {
	const role = (factor: number) => [
		{id: 'S1', page: parsePrometheus(later(factor))},
		{id: 'S2', page: parsePrometheus(later(factor * 2))},
	];
	const replicaPages = {S1: new WindowPages(INVOLUTION_PROFILE), S2: new WindowPages(INVOLUTION_PROFILE)};
	const rolePages = new WindowPages(INVOLUTION_PROFILE);
	const keptMerge = (pages: ReturnType<typeof role>) =>
		rolePages.keep(mergeReplicaPages(pages.map(({id, page}) => ({id, page: replicaPages[id as 'S1' | 'S2'].keep(page)}))));
	const want = summarizeWindow(mergeReplicaPages(role(1)), mergeReplicaPages(role(3)), 60, INVOLUTION_PROFILE);
	assert.deepEqual(summarizeWindow(keptMerge(role(1)), keptMerge(role(3)), 60, INVOLUTION_PROFILE), want);
	assert.ok(want.requests > 0);
});

test('a kept page holds only the samples the window figures read, for each profile', () => {
	const full = parsePrometheus(fixture);
	const kept = new WindowPages(INVOLUTION_PROFILE).keep(full);
	const names = new Set(kept.samples.map((sample) => sample.name));
	assert.ok([...names].every((name) => windowSampleNames(INVOLUTION_PROFILE).has(name)), [...names].join(', '));
	assert.ok(names.has('involution_requests_total') && names.has('involution_request_duration_seconds_bucket') && names.has('involution_cache_operations_total'));
	assert.ok(!names.has('involution_positions_duration_seconds_bucket'), 'histograms the figures do not read are left out');
	assert.ok(kept.samples.length < full.samples.length * 0.6, `${kept.samples.length} of ${full.samples.length} samples kept`);
	assert.equal(kept.families.size, 0);

	const http = (ok: number) => parsePrometheus([`http_requests_total{code="200",handler="/api"} ${ok}`, `http_request_duration_seconds_bucket{handler="/api",le="+Inf"} ${ok}`, `process_open_fds 12`].join('\n'));
	const pages = new WindowPages(HTTP_PROFILE);
	const [a, b] = [pages.keep(http(10)), pages.keep(http(70))];
	assert.deepEqual(
		a.samples.map((sample) => sample.name),
		['http_requests_total', 'http_request_duration_seconds_bucket'],
	);
	assert.equal(summarizeWindow(a, b, 10, HTTP_PROFILE).requests, 60);
});

test('consecutive kept pages share each series\' name and labels; values are their own', () => {
	const pages = new WindowPages(INVOLUTION_PROFILE);
	const first = pages.keep(parsePrometheus(fixture));
	const second = pages.keep(parsePrometheus(later(2)));
	assert.equal(first.samples.length, second.samples.length);
	for (const [index, sample] of second.samples.entries()) {
		assert.equal(sample.labels, first.samples[index]!.labels);
		assert.equal(sample.name, first.samples[index]!.name);
	}
	const counter = (page: ParsedPage) => page.samples.find((sample) => sample.name === 'involution_requests_total')!.value;
	assert.equal(counter(second), counter(first) * 2);
});

test('hostile labels stay labels: __proto__ is an own label, not a prototype', () => {
	const page = parsePrometheus('involution_requests_total{__proto__="x",endpoint="/v1/positions",status_code="200"} 5');
	const kept = new WindowPages(INVOLUTION_PROFILE).keep(page);
	const labels = kept.samples[0]!.labels;
	assert.equal(Object.getPrototypeOf(labels), Object.prototype);
	assert.deepEqual(Object.entries(labels), [
		['__proto__', 'x'],
		['endpoint', '/v1/positions'],
		['status_code', '200'],
	]);
});
