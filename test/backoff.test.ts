import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Backoff, backoffDelay, isStale, probeStatus} from '../source/domain/backoff.ts';

test('backoff doubles after each failure, caps, and resets on success', () => {
	const b = new Backoff({baseMs: 1000, maxMs: 8000});
	assert.deepEqual([b.fail(), b.fail(), b.fail(), b.fail(), b.fail()], [2000, 4000, 8000, 8000, 8000]);
	assert.equal(b.failures, 5);
	assert.equal(b.succeed(), 1000);
	assert.equal(b.delay, 1000);
	assert.equal(backoffDelay(0, {baseMs: 500, maxMs: 5000}), 500);
	assert.equal(backoffDelay(1e9, {baseMs: 500, maxMs: 5000}), 5000);
});

test('probeStatus: answered ok or slow, else the failure kind', () => {
	assert.equal(probeStatus({ms: 20}), 'ok');
	assert.equal(probeStatus({ms: 1500}), 'slow');
	assert.equal(probeStatus({ms: 300}, 250), 'slow');
	assert.equal(probeStatus({kind: 'refused'}), 'refused');
	assert.equal(probeStatus({kind: 'timeout'}), 'timeout');
});

test('isStale after three missed intervals, or when never read', () => {
	assert.equal(isStale(null, 10_000, 1000), true);
	assert.equal(isStale(8000, 10_000, 1000), false);
	assert.equal(isStale(6000, 10_000, 1000), true);
});
