import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createSmoothWrr} from '../source/domain/smooth-wrr.ts';

function picks<T>(peers: {id: T; weight: number; down?: boolean}[], n: number): (T | null)[] {
	const wrr = createSmoothWrr(peers);
	return Array.from({length: n}, () => wrr.pick());
}

test('weights 5,1,1 give nginx\'s documented order a a b a c a a', () => {
	const order = picks([{id: 'a', weight: 5}, {id: 'b', weight: 1}, {id: 'c', weight: 1}], 14);
	assert.deepEqual(order.join(' '), 'a a b a c a a a a b a c a a');
});

test('90/10 over 20 picks is exactly 18/2, spread out rather than in a burst', () => {
	const order = picks([{id: 'stable', weight: 90}, {id: 'canary', weight: 10}], 20);
	assert.equal(order.filter(p => p === 'stable').length, 18);
	assert.equal(order.filter(p => p === 'canary').length, 2);
	// Smooth WRR puts the canary pick in the middle of each run of ten.
	assert.deepEqual(order.flatMap((p, i) => (p === 'canary' ? [i] : [])), [5, 15]);
});

test('50/50 alternates and down peers get nothing', () => {
	assert.deepEqual(picks([{id: 's', weight: 50}, {id: 'c', weight: 50}], 4), ['s', 'c', 's', 'c']);
	assert.deepEqual(picks([{id: 's', weight: 100, down: true}, {id: 'c', weight: 100}], 3), ['c', 'c', 'c']);
	assert.deepEqual(picks([{id: 's', weight: 1, down: true}], 2), [null, null]);
});

test('any split is exact over one full cycle', () => {
	for (const stable of [1, 10, 33, 50, 77, 99]) {
		const order = picks([{id: 's', weight: stable}, {id: 'c', weight: 100 - stable}], 100);
		assert.equal(order.filter(p => p === 's').length, stable, `stable ${stable}`);
	}
});
