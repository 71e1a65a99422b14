import {once} from 'node:events';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {lostBetween, offsetAt} from '../bench/loss.ts';
import {parseConsoleStats} from '../bench/console-stats.ts';
import {engineStats, parseEngineStats, setLogRate} from '../bench/engine-stats.ts';
import {freePorts} from './helpers/ports.ts';
import {startEngine} from '../source/lab/engine.ts';
import {createLineWriter} from '../source/lab/line-writer.ts';
import {settle, waitUntil} from './helpers/wait.ts';

test('offsetAt brackets written - received around a console record, exact when nothing was written in between', () => {
	const record = {at: 10_000, received: 500};
	const readings = [
		{from: 9000, to: 9010, written: 480},
		{from: 9600, to: 9650, written: 503},
		{from: 10_020, to: 10_030, written: 503},
		{from: 10_200, to: 10_210, written: 510},
	];
	assert.deepEqual(offsetAt(readings, record, 300), {low: 3, high: 3, exact: true});
	// A line written after the reading before: the bracket widens.
	assert.deepEqual(offsetAt([readings[1], {from: 10_020, to: 10_030, written: 505}], record, 300), {low: 3, high: 5, exact: false});
	// A reading whose answer came too late to be "before", or none after: no bracket.
	assert.equal(offsetAt([{from: 9800, to: 9900, written: 1}, readings[2]], record, 300), null);
	assert.equal(offsetAt([readings[0]], record, 300), null);
});

test('lostBetween subtracts the offsets, gives certain and possible loss, never negative', () => {
	assert.deepEqual(lostBetween({low: 100, high: 100, exact: true}, {low: 130, high: 130, exact: true}), {lost: 30, most: 30, exact: true});
	assert.deepEqual(lostBetween({low: 100, high: 100, exact: true}, {low: 100, high: 100, exact: true}), {lost: 0, most: 0, exact: true});
	// Inexact: what is certainly lost, and the most that could be.
	assert.deepEqual(lostBetween({low: 100, high: 102, exact: false}, {low: 99, high: 101, exact: false}), {lost: 0, most: 1, exact: false});
	assert.deepEqual(lostBetween({low: 100, high: 101, exact: false}, {low: 110, high: 111, exact: false}), {lost: 9, most: 11, exact: false});
});

test('parseConsoleStats reads the last complete record and ignores a half-written one', () => {
	const line = JSON.stringify({at: 5, received: 7, dropped: {stable: 0, canary: 1}, publishes: 3, bytes: 10, memory: {rss: 1}});
	assert.equal(parseConsoleStats(`${line}\n`)?.received, 7);
	assert.equal(parseConsoleStats(line.slice(0, 20)), null);
	assert.equal(parseConsoleStats(''), null);
	assert.throws(() => parseEngineStats({linesWritten: 1}), /linesDropped/);
});

test('GET /__lab/stats on an engine counts the lines its writer took and dropped; logRate is set live', async () => {
	const sink = new PassThrough({highWaterMark: 1024});
	const out = createLineWriter(sink, 4096);
	const [port] = await freePorts(1);
	const engine = await startEngine({port, version: '1.1.0', log: (line) => out.write(line), stderr: () => {}, lineStats: () => ({linesWritten: out.written(), linesDropped: out.dropped()})});
	try {
		const first = await engineStats(port);
		// The startup lines: nobody reads the sink yet, so some are queued, none dropped.
		assert.ok(first.linesWritten >= 2, JSON.stringify(first));
		assert.equal(first.linesDropped, 0);
		// Reading the stats adds no line of its own.
		assert.equal((await engineStats(port)).linesWritten, first.linesWritten);
		// An unread sink and a fast background rate: the writer's small queue overflows and drops.
		await setLogRate(port, 20_000);
		await waitUntil('lines dropped under backpressure', async () => (await engineStats(port)).linesDropped > 0, {timeoutMs: 5000, everyMs: 20});
		await setLogRate(port, 0);
		// Once read, everything the writer took comes out as lines.
		let text = '';
		sink.on('data', (chunk: Buffer) => (text += chunk.toString()));
		const settled = await engineStats(port);
		const count = await settle(() => text.split('\n').length - 1, (lines) => lines >= settled.linesWritten, 3000);
		assert.equal(count, settled.linesWritten);
	} finally {
		await engine.close();
		sink.destroy();
		await once(sink, 'close').catch(() => {});
	}
});
