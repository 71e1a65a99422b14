import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {EngineRole} from '../source/core/types.ts';
import type {Level, LogEvent} from '../source/domain/log-parse.ts';
import {TemplateMiner, miningText} from '../source/domain/drain.ts';
import {ErrorPatternTable, verdictPatterns} from '../source/domain/error-diff.ts';

let t = 0;
const ev = (engine: EngineRole, message: string, level: Level = 'ERROR', exception: string | null = null): LogEvent => ({
	engine, stream: 'stdout', time: ++t, level, message, detail: '', exception, raw: JSON.stringify({level, message, exception}),
});

function feed(table: ErrorPatternTable, miner: TemplateMiner, events: LogEvent[]): void {
	for (const e of events) {
		const {id, template} = miner.add(miningText(e));
		table.add(e, id, template);
	}
}
const times = (n: number, make: (i: number) => LogEvent) => Array.from({length: n}, (_, i) => make(i));

test('per-1k normalisation at 90/10: stable 9 in 900 vs canary 1 in 100 is SAME, not UP', () => {
	const table = new ErrorPatternTable();
	const miner = new TemplateMiner();
	feed(table, miner, [...times(9, (i) => ev('stable', `db timeout after ${i + 10}ms`)), ev('canary', 'db timeout after 99ms')]);
	const [row] = table.rows({stableRequests: 900, canaryRequests: 100, now: t});
	assert.equal(row.stableCount, 9);
	assert.equal(row.canaryCount, 1);
	assert.equal(row.stablePer1k, 10);
	assert.equal(row.canaryPer1k, 10);
	assert.equal(row.ratio, 1);
	assert.equal(row.flag, 'SAME');
	assert.equal(row.upFactor, null);
});

const FLAGS: Array<[string, {stable: number; canary: number; stableReq: number; canaryReq: number}, string, number | null]> = [
	['NEW: canary only', {stable: 0, canary: 5, stableReq: 900, canaryReq: 100}, 'NEW', null],
	['UP: canary rate 3x', {stable: 45, canary: 15, stableReq: 900, canaryReq: 100}, 'UP', 3],
	['not UP when 3x is within chance (3 against 9 at 90/10)', {stable: 9, canary: 3, stableReq: 900, canaryReq: 100}, 'SAME', null],
	['FEW: canary only, but at 50/50 two events are chance', {stable: 0, canary: 2, stableReq: 500, canaryReq: 500}, 'FEW', null],
	['not UP on too few canary events', {stable: 1, canary: 2, stableReq: 900, canaryReq: 100}, 'SAME', null],
	['DOWN: canary rate a third', {stable: 30, canary: 1, stableReq: 900, canaryReq: 100}, 'DOWN', null],
	['GONE: stable only with enough canary traffic', {stable: 90, canary: 0, stableReq: 900, canaryReq: 100}, 'GONE', null],
	['stable only with little canary traffic is no evidence', {stable: 9, canary: 0, stableReq: 900, canaryReq: 100}, 'SAME', null],
	['no request counts: no rates and no claim yet', {stable: 0, canary: 2, stableReq: 0, canaryReq: 0}, 'FEW', null],
	['not UP at z 2.7 (stable 1 against canary 10 at 50/50: chance over a long watch)', {stable: 1, canary: 10, stableReq: 160, canaryReq: 163}, 'SAME', null],
];
for (const [name, c, flag, factor] of FLAGS) {
	test(`flag ${name}`, () => {
		const table = new ErrorPatternTable();
		const miner = new TemplateMiner();
		feed(table, miner, [...times(c.stable, () => ev('stable', 'upstream reset')), ...times(c.canary, () => ev('canary', 'upstream reset'))]);
		const [row] = table.rows({stableRequests: c.stableReq, canaryRequests: c.canaryReq, now: t});
		assert.equal(row.flag, flag);
		assert.equal(row.upFactor, factor);
		if (c.stableReq === 0) assert.equal(row.canaryPer1k, null);
	});
}

test('demo-like mix: the canary-only message is NEW with a per-1k rate; stable recurring errors are not flagged', () => {
	const table = new ErrorPatternTable();
	const miner = new TemplateMiner();
	// 30 s at 20 rps, 90/10: 540 stable and 60 canary requests; both have the same 1 % background error.
	feed(table, miner, [
		...times(5, (i) => ev('stable', `Request rejected: INPUT.INVALID - Invalid input request_id=${i}`, 'WARN')),
		...times(1, (i) => ev('canary', `Request rejected: INPUT.INVALID - Invalid input request_id=${i + 100}`, 'WARN')),
		...times(3, (i) => ev('canary', `Kernel cache corrupted for body ${i} segment 0x${(0xabcdef12 + i).toString(16)}`)),
		ev('stable', 'ignored info line', 'INFO'),
	]);
	const rows = table.rows({stableRequests: 540, canaryRequests: 60, now: t});
	assert.equal(rows.length, 2);
	assert.equal(rows[0].flag, 'NEW');
	assert.equal(rows[0].template, 'Kernel cache corrupted for body <num> segment <hex>');
	assert.equal(rows[0].canaryPer1k, 50);
	assert.equal(rows[0].verdict, 'WARN');
	assert.equal(rows[1].flag, 'SAME');
	assert.equal(rows[1].verdict, null);
	assert.deepEqual(verdictPatterns(rows), {newPatterns: [{template: rows[0].template, canaryPer1k: 50}], critical: []});
});

test('NEW below the configured rate is flagged but does not warn', () => {
	const table = new ErrorPatternTable();
	for (let i = 0; i < 3; i++) table.add(ev('canary', 'rare thing'), 't1', 'rare thing');
	const rows = table.rows({stableRequests: 9000, canaryRequests: 1000, now: t, newRateWarnPer1k: 5});
	assert.equal(rows[0].flag, 'NEW');
	assert.equal(rows[0].verdict, null);
});

test('critical patterns sort first and FAIL when the canary brings them', () => {
	const table = new ErrorPatternTable();
	const miner = new TemplateMiner();
	const traceback = 'Traceback (most recent call last):\n  File "a.py", line 1\nMemoryError';
	feed(table, miner, [
		...times(20, () => ev('canary', 'plain new failure one')),
		...times(3, () => ev('canary', 'Unhandled error', 'ERROR', traceback)),
		...times(3, () => ev('canary', 'worker process killed by signal 9', 'FATAL')),
		...times(9, () => ev('stable', 'Unhandled error', 'ERROR', 'Traceback (most recent call last):\n  File "b.py", line 2\nKeyError: x')),
		ev('canary', 'Unhandled error', 'ERROR', 'Traceback (most recent call last):\n  File "b.py", line 2\nKeyError: x'),
	]);
	const rows = table.rows({stableRequests: 900, canaryRequests: 100, now: t});
	assert.equal(rows.length, 4);
	assert.deepEqual(rows.slice(0, 3).map((r) => r.critical), [true, true, true]);
	assert.deepEqual(rows.slice(0, 2).map((r) => r.flag), ['NEW', 'NEW']);
	assert.equal(rows[3].template, 'plain new failure one');
	// A traceback stable has at the same rate is critical but not the canary's doing.
	const known = rows.find((r) => r.template.includes('KeyError'))!;
	assert.equal(known.flag, 'SAME');
	assert.equal(known.verdict, null);
	const verdict = verdictPatterns(rows);
	assert.deepEqual(verdict.critical.map((c) => c.template).sort(), ['Unhandled error MemoryError', 'worker process killed by signal <num>']);
	assert.deepEqual(verdict.newPatterns, [{template: 'plain new failure one', canaryPer1k: 200}]);
});

test('UP rows sort by factor; level keeps the most severe; table is capped', () => {
	const table = new ErrorPatternTable(3);
	for (const [id, canary] of [['a', 8], ['b', 10]] as const) {
		for (let i = 0; i < 9; i++) table.add(ev('stable', id, 'WARN'), id, id);
		for (let i = 0; i < canary; i++) table.add(ev('canary', id, i === 0 ? 'FATAL' : 'WARN'), id, id);
	}
	const rows = table.rows({stableRequests: 900, canaryRequests: 100, now: t});
	assert.deepEqual(rows.map((r) => [r.id, r.flag, r.upFactor, r.level]), [['b', 'UP', 10, 'FATAL'], ['a', 'UP', 8, 'FATAL']]);
	table.add(ev('canary', 'c'), 'c', 'c');
	table.add(ev('canary', 'd'), 'd', 'd');
	assert.equal(table.size, 3);
	assert.equal(table.evicted, 1);
	assert.ok(!table.rows({stableRequests: 1, canaryRequests: 1, now: t}).some((r) => r.id === 'a'));
});

test('window: counts age out with the window, and lines from before the console started are the baseline, never NEW', () => {
	const since = 1_000_000;
	const table = new ErrorPatternTable(500, since);
	const at = (engine: EngineRole, message: string, time: number): LogEvent => ({engine, stream: 'stdout', time, level: 'ERROR', message, detail: '', exception: null, raw: message});
	// Logged before the console started: the canary already had this one.
	for (let i = 0; i < 5; i++) table.add(at('canary', 'old canary failure', since - 60_000 + i), 'old', 'old canary failure');
	for (let i = 0; i < 4; i++) table.add(at('canary', 'old canary failure', since + 1000 + i), 'old', 'old canary failure');
	// A canary-only message at the start of the watch, then nothing for two minutes.
	for (let i = 0; i < 5; i++) table.add(at('canary', 'brief burst', since + 2000 + i), 'burst', 'brief burst');
	const early = table.rows({stableRequests: 900, canaryRequests: 100, now: since + 10_000, windowStart: since + 10_000 - 60_000});
	assert.equal(early.find((r) => r.id === 'burst')!.flag, 'NEW');
	assert.notEqual(early.find((r) => r.id === 'old')!.flag, 'NEW');
	assert.equal(early.find((r) => r.id === 'old')!.canaryCount, 4);
	const later = table.rows({stableRequests: 900, canaryRequests: 100, now: since + 130_000, windowStart: since + 70_000});
	assert.deepEqual(later.map((r) => [r.id, r.flag, r.canaryCount]).sort(), [['burst', 'OLD', 0], ['old', 'OLD', 0]]);
	assert.deepEqual(verdictPatterns(later), {newPatterns: [], critical: []});
});
