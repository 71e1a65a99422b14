import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import type {RawLine} from '../source/core/types.ts';
import {MultilineJoiner} from '../source/domain/multiline.ts';

const traceback = readFileSync(new URL('fixtures/involution-traceback.txt', import.meta.url), 'utf8').trimEnd();
let clock = 0;
const raw = (text: string, stream: RawLine['stream'] = 'stderr'): RawLine => ({engine: 'stable', stream, time: ++clock, text});

function run(lines: RawLine[]): string[] {
	const joiner = new MultilineJoiner();
	const out: RawLine[] = [];
	for (const l of lines) out.push(...joiner.push(l));
	out.push(...joiner.flush());
	return out.map((l) => l.text);
}

const CASES: Array<[string, string[], string[]]> = [
	['plain lines pass through', ['INFO:     started', 'INFO:     ready'], ['INFO:     started', 'INFO:     ready']],
	['chained Python traceback (fixture) is one event', traceback.split('\n'), [traceback]],
	[
		'uvicorn error line joins its traceback, next line separate',
		['ERROR:    Exception in ASGI application', ...traceback.split('\n'), 'INFO:     127.0.0.1:5 - "GET / HTTP/1.1" 500'],
		[`ERROR:    Exception in ASGI application\n${traceback}`, 'INFO:     127.0.0.1:5 - "GET / HTTP/1.1" 500'],
	],
	['error line without a trace stays alone', ['ERROR: db failed', 'INFO: retry'], ['ERROR: db failed', 'INFO: retry']],
	[
		'two tracebacks in a row are two events',
		['Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'ValueError: one', 'Traceback (most recent call last):', '  File "b.py", line 2, in <module>', 'KeyError: two'],
		['Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: one', 'Traceback (most recent call last):\n  File "b.py", line 2, in <module>\nKeyError: two'],
	],
	[
		'"direct cause" chain',
		['Traceback (most recent call last):', '  File "a.py", line 1', 'KeyError: k', '', 'The above exception was the direct cause of the following exception:', '', 'Traceback (most recent call last):', '  File "a.py", line 3', 'RuntimeError: wrapped', 'INFO: next'],
		['Traceback (most recent call last):\n  File "a.py", line 1\nKeyError: k\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File "a.py", line 3\nRuntimeError: wrapped', 'INFO: next'],
	],
	[
		'trailing blank lines are trimmed',
		['Traceback (most recent call last):', '  File "a.py", line 1', 'ValueError: v', '', 'next line'],
		['Traceback (most recent call last):\n  File "a.py", line 1\nValueError: v', 'next line'],
	],
	[
		'Node stack trace',
		['TypeError: Cannot read properties of undefined', '    at handler (/app/server.js:10:5)', '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)', 'listening on 8080'],
		['TypeError: Cannot read properties of undefined\n    at handler (/app/server.js:10:5)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)', 'listening on 8080'],
	],
	['JSON lines are never held or joined', ['{"level":"ERROR","message":"x"}', '  indented'], ['{"level":"ERROR","message":"x"}', '  indented']],
	['JSON line ends a traceback', ['Traceback (most recent call last):', '  File "a.py", line 1', '{"level":"INFO"}'], ['Traceback (most recent call last):\n  File "a.py", line 1', '{"level":"INFO"}']],
];

for (const [name, input, expected] of CASES) {
	test(`multiline: ${name}`, () => assert.deepEqual(run(input.map((t) => raw(t))), expected));
}

test('streams are joined separately; a stdout line does not break a stderr traceback', () => {
	const out = run([raw('Traceback (most recent call last):'), raw('{"level":"INFO"}', 'stdout'), raw('  File "a.py", line 1'), raw('ValueError: v'), raw('after')]);
	assert.deepEqual(out, ['{"level":"INFO"}', 'Traceback (most recent call last):\n  File "a.py", line 1\nValueError: v', 'after']);
});

test('joined event keeps the first line time, engine and stream', () => {
	const joiner = new MultilineJoiner();
	assert.deepEqual(joiner.push({engine: 'canary', stream: 'stderr', time: 50, text: 'Error: x'}), []);
	assert.deepEqual(joiner.push({engine: 'canary', stream: 'stderr', time: 60, text: '    at f (a.js:1:1)'}), []);
	assert.deepEqual(joiner.flush(), [{engine: 'canary', stream: 'stderr', time: 50, text: 'Error: x\n    at f (a.js:1:1)'}]);
	assert.deepEqual(joiner.flush(), []);
});

test('pendingSince and flushOlderThan give the caller its time-out', () => {
	const joiner = new MultilineJoiner();
	assert.equal(joiner.pendingSince(), null);
	assert.deepEqual(joiner.push({engine: 'stable', stream: 'stderr', time: 1, text: 'ERROR: boom'}, 1000), []);
	assert.equal(joiner.pendingSince(), 1000);
	assert.deepEqual(joiner.flushOlderThan(1100, 200), []);
	assert.deepEqual(joiner.flushOlderThan(1200, 200).map((l) => l.text), ['ERROR: boom']);
	assert.equal(joiner.pendingSince(), null);
});

test('a runaway trace is cut at 1000 lines', () => {
	const lines = [raw('Traceback (most recent call last):'), ...Array.from({length: 2500}, (_, i) => raw(`  File "x.py", line ${i}`))];
	const out = run(lines);
	assert.equal(out[0].split('\n').length, 1000);
	assert.ok(out.length >= 2);
});
