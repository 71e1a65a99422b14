import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {SplitPanel} from '../source/ui/split-panel.tsx';
import {sampleJson, sampleText} from '../source/core/monitor/snapshot-text.ts';
import type {SplitSample} from '../source/adapters/split-sampler.ts';
import type {Snapshot} from '../source/core/monitor/snapshot.ts';

const strip = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');

const nothing: SplitSample = {
	n: 200, stable: 0, canary: 0, unknown: 200, errors: 0, ms: 95, observed: {stable: 0, canary: 0}, interval: null, method: 'none',
	attributed: 0, unattributed: 200, attributionProblem: 'the nginx config sets no X-Upstream header; both engines report version 1.1.0: answers cannot be attributed by version',
};
const some: SplitSample = {
	n: 200, stable: 171, canary: 19, unknown: 10, errors: 0, ms: 95, observed: {stable: 90, canary: 10}, interval: {low: 5.4, high: 17.2}, method: 'version',
	attributed: 190, unattributed: 10,
};
const split = (observed: SplitSample): Snapshot['split'] => ({configured: {stable: 90, canary: 10}, configError: null, observed, sampledAt: 0, sampling: false, fromMetrics: null});

test('the split panel never shows an observed split for N=0, and says why', () => {
	const {lastFrame} = render(<SplitPanel split={split(nothing)} width={60} height={6} />);
	const text = strip(lastFrame() ?? '');
	assert.match(text, /sampled {5}- {2}N=0\n/);
	assert.doesNotMatch(text, /100\/0|0\/0/);
	assert.match(text, /no answer attributed: add X-Upstream/);
	const same = strip(render(<SplitPanel split={split({...nothing, versions: {stable: '1.1.0', canary: '1.1.0'}})} width={60} height={6} />).lastFrame() ?? '');
	assert.match(same, /both engines v1\.1\.0: add X-Upstream to nginx/);
	assert.match(text, /by nothing at .* in 95ms, 200 unattributed/);
});

test('the split panel shows attributed N and the unattributed count', () => {
	const {lastFrame} = render(<SplitPanel split={split(some)} width={60} height={6} />);
	const text = strip(lastFrame() ?? '');
	assert.match(text, /sampled {5}90\/10 {2}N=190\n/);
	assert.match(text, /by version at .* in 95ms, 10 unattributed/);
});

test('status text and JSON: counts, and no observed split over N=0', () => {
	assert.equal(sampleText(some), 'sampled 90/10 (N=190 by version, 10 unattributed)');
	const text = sampleText(nothing);
	assert.match(text, /^sampled: no answer attributed \(N=0 of 200, 200 unattributed\): .*both engines report version 1\.1\.0/);
	assert.ok(text.includes('add_header X-Upstream $upstream_addr always;'));
	const json = sampleJson(nothing)!;
	assert.equal(json.observed, null);
	assert.equal(json.attributed, 0);
	assert.equal(json.unattributed, 200);
	assert.deepEqual(sampleJson(some)!.observed, {stable: 90, canary: 10});
});
