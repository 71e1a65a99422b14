import {test} from 'node:test';
import assert from 'node:assert/strict';
import {LogStore} from '../source/core/monitor/log-store.ts';
import type {RawLine} from '../source/core/types.ts';

// A flood: the store keeps the newest lines up to its capacity per engine, and says exactly how
// many older lines it no longer keeps; none of them counts as dropped (nothing was lost).

const line = (engine: 'stable' | 'canary', n: number): RawLine => ({engine, stream: 'stdout', time: 1_700_000_000_000 + n, text: JSON.stringify({timestamp: new Date(1_700_000_000_000 + n).toISOString(), level: n % 100 === 0 ? 'ERROR' : 'INFO', message: `request ${n} served`, request_id: `r-${n}`})});

test('under a flood the rings stay at capacity and the not-kept counter matches what aged out', () => {
	let changes = 0;
	const store = new LogStore(1000, () => changes++);
	const total = 50_000;
	for (let start = 0; start < total; start += 500) {
		store.sink.lines(Array.from({length: 500}, (_, i) => line('stable', start + i)));
		store.sink.lines(Array.from({length: 50}, (_, i) => line('canary', start + i)));
	}
	store.close();
	assert.equal(store.rings.stable.length, 1000);
	assert.equal(store.notKept('stable'), total - 1000);
	assert.equal(store.rings.canary.length, 1000);
	assert.equal(store.notKept('canary'), total / 10 - 1000);
	assert.equal(store.history, 1000);
	assert.equal(store.dropped('stable') + store.dropped('canary'), 0, 'every line was read: nothing dropped');
	assert.equal(store.received, total + total / 10);
	const newest = store.rings.stable.at(store.rings.stable.length - 1)!;
	assert.equal(newest.message, `request ${total - 1} served`, 'the newest line is kept');
	assert.ok(changes <= 200, 'one change notice per batch, not per line');
	assert.ok(store.patterns.size >= 1 && store.patterns.size <= 500, 'errors were mined into a bounded table');
});

test('a gap marker lands in the engine ring with its length', () => {
	const store = new LogStore(100, () => {});
	const at = new Date(2026, 10, 27, 12, 1, 3).getTime();
	store.sink.gap({engine: 'canary', at, gapMs: 2100, reason: 'engine-canary restarted'});
	const marker = store.rings.canary.at(0)!;
	assert.equal(marker.gap, 'engine-canary restarted 12:01:03, 2.1 s gap');
	store.close();
});

test('a line the store cannot read is counted as dropped; the rest of its batch is kept', () => {
	const store = new LogStore(100, () => {});
	const broken = {engine: 'stable', stream: 'stdout', time: 1_700_000_000_000, text: null} as unknown as RawLine;
	store.sink.lines([line('stable', 1), broken, line('stable', 2)]);
	store.close();
	assert.equal(store.dropped('stable'), 1);
	assert.equal(store.notKept('stable'), 0);
	assert.deepEqual(
		store.rings.stable.toArray().map((event) => event.message),
		['request 1 served', 'request 2 served'],
	);
});

test('lines and gaps are news for the log rows alone; a stream changing state is news for the whole screen', () => {
	const notices: boolean[] = [];
	const store = new LogStore(100, (linesOnly) => notices.push(linesOnly));
	store.sink.lines([line('stable', 1)]);
	store.sink.gap({engine: 'canary', at: 1_700_000_000_000, gapMs: 1500, reason: 'stream restarted'});
	store.sink.status('canary', 'waiting', 'container not running');
	store.close();
	assert.deepEqual(notices, [true, true, false]);
});
