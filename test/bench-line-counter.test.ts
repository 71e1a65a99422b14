import {test} from 'node:test';
import assert from 'node:assert/strict';
import {backgroundLine, record} from '../source/lab/engine-output.ts';
import {BackgroundCounter, isBackgroundLine, lineTimestampMs, linesLost} from '../bench/line-counter.ts';

test('isBackgroundLine recognises every background template and nothing else', () => {
	for (let n = 0; n < 10; n++) assert.equal(isBackgroundLine(backgroundLine(n, Date.now())), true, backgroundLine(n, Date.now()));
	assert.equal(isBackgroundLine(record('INFO', 'HTTP request processed', {request_id: 'x'})), false);
	assert.equal(isBackgroundLine(record('ERROR', 'Request failed: POOL.TIMEOUT - Worker did not answer in time')), false);
	assert.equal(isBackgroundLine(record('INFO', 'Worker 3 started')), false);
	assert.equal(isBackgroundLine('INFO:     127.0.0.1 - "GET /healthz HTTP/1.1" 200 OK'), false);
});

test('lineTimestampMs reads the stamp to the millisecond', () => {
	const at = Date.parse('2026-11-27T11:00:00.123Z');
	assert.equal(lineTimestampMs(backgroundLine(1, at)), at);
	assert.equal(lineTimestampMs('plain'), null);
});

/** What the engine does: floor(rate x elapsed) lines per tick, all stamped with the tick's time. */
function emit(rate: number, start: number, ticks: number[], skip: Set<number> = new Set()): string[] {
	const lines: string[] = [];
	let emitted = 0;
	for (const now of ticks) {
		const due = Math.floor((rate * (now - start)) / 1000);
		for (; emitted < due; emitted++) if (!skip.has(emitted)) lines.push(backgroundLine(emitted, now));
	}
	return lines;
}

test('linesLost is 0 when every line arrives and counts the missing ones', () => {
	const start = Date.parse('2026-11-27T11:00:00.000Z');
	const ticks = Array.from({length: 300}, (_, i) => start + 10 * (i + 1) + (i % 3));
	for (const skip of [new Set<number>(), new Set([3000, 3001, 3002, 9000])]) {
		const counter = new BackgroundCounter();
		const lines = emit(5000, start, ticks, skip);
		const a = lines.findIndex((l) => lineTimestampMs(l)! >= start + 500);
		for (const line of lines.slice(0, a)) counter.add('stable', line);
		const first = counter.snapshot().stable;
		for (const line of lines.slice(a)) counter.add('stable', line);
		// A line of the next tick marks the last one complete.
		counter.add('stable', backgroundLine(99_999, start + 10_000));
		const second = counter.snapshot().stable;
		const result = linesLost(first, second, 5000);
		assert.ok(result);
		assert.equal(result.lost, skip.size);
	}
});

test('linesLost needs two complete ticks', () => {
	const counter = new BackgroundCounter();
	const empty = counter.snapshot().stable;
	assert.equal(linesLost(empty, empty, 100), null);
	counter.add('canary', record('INFO', 'HTTP request processed'));
	assert.equal(counter.snapshot().canary.total, 1);
	assert.equal(counter.snapshot().canary.countThrough, 0);
});
