import {test} from 'node:test';
import assert from 'node:assert/strict';
import {DEFAULT_RING_CAPACITY, Ring} from '../source/domain/ring.ts';

test('keeps the newest items in order and counts what it dropped', () => {
	const ring = new Ring<number>(3);
	for (let i = 1; i <= 5; i++) ring.push(i);
	assert.deepEqual(ring.toArray(), [3, 4, 5]);
	assert.equal(ring.length, 3);
	assert.equal(ring.dropped, 2);
	assert.equal(ring.pushed, 5);
	assert.equal(ring.at(0), 3);
	assert.equal(ring.at(-1), 5);
	assert.equal(ring.at(3), undefined);
});

const SLICES: Array<[number | undefined, number | undefined, number[]]> = [
	[undefined, undefined, [3, 4, 5, 6]],
	[1, 3, [4, 5]],
	[-2, undefined, [5, 6]],
	[2, 100, [5, 6]],
	[3, 1, []],
];
for (const [from, to, expected] of SLICES) {
	test(`slice(${from}, ${to}) across the wrap point`, () => {
		const ring = new Ring<number>(4);
		for (let i = 1; i <= 6; i++) ring.push(i);
		assert.deepEqual(ring.slice(from, to), expected);
	});
}

test('pushMany: small batches, and a batch larger than the ring', () => {
	const ring = new Ring<number>(4);
	ring.pushMany([1, 2, 3]);
	ring.pushMany([4, 5]);
	assert.deepEqual(ring.toArray(), [2, 3, 4, 5]);
	assert.equal(ring.dropped, 1);
	ring.pushMany([10, 11, 12, 13, 14, 15]);
	assert.deepEqual(ring.toArray(), [12, 13, 14, 15]);
	assert.equal(ring.dropped, 1 + 4 + 2);
	assert.equal(ring.pushed, 11);
	assert.equal(ring.pushed - ring.dropped, ring.length);
});

test('clear empties without counting drops', () => {
	const ring = new Ring<string>(2);
	ring.pushMany(['a', 'b', 'c']);
	ring.clear();
	assert.equal(ring.length, 0);
	assert.deepEqual(ring.toArray(), []);
	assert.equal(ring.dropped, 1);
	ring.push('d');
	assert.deepEqual(ring.toArray(), ['d']);
});

test('default capacity and invalid capacity', () => {
	assert.equal(new Ring().capacity, DEFAULT_RING_CAPACITY);
	assert.throws(() => new Ring(0), RangeError);
});

test('a flood stays bounded and the dropped counter is exact', () => {
	const ring = new Ring<{n: number}>(20_000);
	const start = performance.now();
	for (let i = 0; i < 1_000_000; i++) ring.push({n: i});
	const ms = performance.now() - start;
	assert.equal(ring.length, 20_000);
	assert.equal(ring.dropped, 980_000);
	assert.equal(ring.at(0)!.n, 980_000);
	assert.ok(ms < 2000, `1M pushes took ${ms} ms`);
});
