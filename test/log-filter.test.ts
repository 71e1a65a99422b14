import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {EngineRole} from '../source/core/types.ts';
import type {Level, LogEvent} from '../source/domain/log-parse.ts';
import {applyFilter, compileSearch, isErrorEvent, matchRanges, mergeByTime, nextIndex, NO_FILTER, type LogFilter} from '../source/domain/log-filter.ts';

const ev = (engine: EngineRole, time: number, level: Level | null, message: string): LogEvent => ({engine, stream: 'stdout', time, level, message, detail: '', exception: null, raw: message});
const EVENTS: LogEvent[] = [
	ev('stable', 1, 'INFO', 'request ok'),
	ev('canary', 2, 'ERROR', 'Kernel failed'),
	ev('stable', 3, 'WARN', 'slow request'),
	ev('canary', 4, null, 'plain line'),
	ev('stable', 5, 'FATAL', 'out of memory'),
];
const messages = (events: LogEvent[]) => events.map((e) => e.message);

const FILTERS: Array<[string, Partial<LogFilter>, string[]]> = [
	['no filter', {}, messages(EVENTS)],
	['levels', {levels: new Set(['ERROR', 'FATAL'])}, ['Kernel failed', 'out of memory']],
	['unleveled lines via NONE', {levels: new Set(['NONE'])}, ['plain line']],
	['engine', {engines: new Set(['canary'])}, ['Kernel failed', 'plain line']],
	['regex, case-insensitive', {regex: 'REQUEST'}, ['request ok', 'slow request']],
	['regex over the level too', {regex: '^warn'}, ['slow request']],
	['inverted', {regex: 'request', invert: true}, ['Kernel failed', 'plain line', 'out of memory']],
	['combined', {regex: 'o', engines: new Set(['stable']), levels: new Set(['INFO', 'FATAL'])}, ['request ok', 'out of memory']],
	['invalid regex is ignored, not thrown', {regex: '(unclosed'}, messages(EVENTS)],
];
for (const [name, partial, expected] of FILTERS) {
	test(`filter: ${name}`, () => {
		const {events, error} = applyFilter(EVENTS, {...NO_FILTER, ...partial});
		assert.deepEqual(messages(events), expected);
		assert.equal(error !== null, partial.regex === '(unclosed');
	});
}

test('compileSearch: errors are messages, never exceptions', () => {
	assert.deepEqual(compileSearch(''), {ok: true, regex: null});
	assert.equal(compileSearch(null).ok, true);
	const bad = compileSearch('[a-');
	assert.equal(bad.ok, false);
	assert.match(!bad.ok ? bad.error : '', /invalid pattern/);
	assert.equal(compileSearch('(a+)+$').ok, false);
	assert.equal(compileSearch('(\\w*)*x').ok, false);
	assert.equal(compileSearch('(a)\\1').ok, false);
	const ok = compileSearch('Err(or)?');
	assert.ok(ok.ok && ok.regex && ok.regex.test('ERROR'));
	const sensitive = compileSearch('Err', {caseSensitive: true});
	assert.ok(sensitive.ok && sensitive.regex && !sensitive.regex.test('ERR'));
});

test('a slow pattern on a huge line stays bounded', () => {
	const huge = 'a'.repeat(1_000_000);
	const start = performance.now();
	const {events} = applyFilter([ev('stable', 1, 'INFO', huge)], {...NO_FILTER, regex: 'a{3}x'});
	assert.equal(events.length, 0);
	assert.ok(performance.now() - start < 1000);
});

test('matchRanges for highlighting', () => {
	const regex = compileSearch('o');
	assert.ok(regex.ok);
	assert.deepEqual(matchRanges('foo bOo', regex.regex), [[1, 2], [2, 3], [5, 6], [6, 7]]);
	const empty = compileSearch('x*');
	assert.ok(empty.ok);
	assert.deepEqual(matchRanges('axxb', empty.regex), [[1, 3]]);
	assert.deepEqual(matchRanges('abc', null), []);
	assert.equal(matchRanges('a'.repeat(10_000), /a/).length, 200);
});

test('nextIndex for n/N and jump to error', () => {
	assert.equal(nextIndex(EVENTS, 0, isErrorEvent, 1), 1);
	assert.equal(nextIndex(EVENTS, 1, isErrorEvent, 1), 4);
	assert.equal(nextIndex(EVENTS, 4, isErrorEvent, 1), -1);
	assert.equal(nextIndex(EVENTS, 4, isErrorEvent, 1, true), 1);
	assert.equal(nextIndex(EVENTS, 4, isErrorEvent, -1), 1);
	assert.equal(nextIndex(EVENTS, 1, isErrorEvent, -1), -1);
	assert.equal(nextIndex(EVENTS, 1, isErrorEvent, -1, true), 4);
	assert.equal(nextIndex(EVENTS, EVENTS.length, isErrorEvent, -1), 4);
	assert.equal(nextIndex([], 0, isErrorEvent, 1, true), -1);
});

test('mergeByTime interleaves and keeps ties stable', () => {
	const a = [{time: 1, id: 'a1'}, {time: 3, id: 'a3'}, {time: 3, id: 'a3b'}, {time: 9, id: 'a9'}];
	const b = [{time: 2, id: 'b2'}, {time: 3, id: 'b3'}, {time: 10, id: 'b10'}];
	assert.deepEqual(mergeByTime(a, b).map((x) => x.id), ['a1', 'b2', 'a3', 'a3b', 'b3', 'a9', 'b10']);
	assert.deepEqual(mergeByTime([], b), b);
	assert.deepEqual(mergeByTime(a, []), a);
});
