import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import type {RawLine} from '../source/core/types.ts';
import {exceptionSummary, formatEvent, MAX_RAW, normalizeLevel, parseLogLine} from '../source/domain/log-parse.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const line = (text: string, extra: Partial<RawLine> = {}): RawLine => ({engine: 'canary', stream: 'stdout', time: 1_000, text, ...extra});

test('parses every fixture JSON line with its timestamp, level and fields', () => {
	const lines = fixture('involution-logs.jsonl').trim().split('\n');
	assert.equal(lines.length, 40);
	const events = lines.map((text) => parseLogLine(line(text)));
	for (const event of events) {
		assert.ok(event.level === 'INFO' || event.level === 'WARN', event.raw);
		assert.ok(event.time > Date.parse('2026-11-27T00:00:00Z'));
		assert.match(event.detail, /(^| )logger=app\.main( |$)/);
		assert.doesNotMatch(event.detail, /(^| )(timestamp|level|message)=/);
	}
	const first = events[0];
	assert.equal(first.time, Date.parse('2026-11-27T09:14:26.875Z'));
	assert.equal(first.message, 'Startup: application starting');
	assert.equal(first.detail, 'version=1.1.0 python_version=3.11.2 logger=app.main pid=11240', 'bookkeeping and ids last');
	const warning = events.find((e) => e.level === 'WARN');
	assert.ok(warning);
	assert.equal(warning.message, 'Request rejected: INPUT.INVALID - Invalid input');
	assert.match(warning.detail, /(^| )status_code=422( |$)/);
});

test('JSON exception field holds the traceback', () => {
	const traceback = fixture('involution-traceback.txt');
	const text = JSON.stringify({timestamp: '2026-11-27T09:15:00.000001+00:00', level: 'ERROR', logger: 'app.api', message: 'Unhandled error', request_id: 'r1', exception: traceback});
	const event = parseLogLine(line(text));
	assert.equal(event.level, 'ERROR');
	assert.equal(event.exception, traceback);
	assert.equal(exceptionSummary(traceback), 'ZeroDivisionError: float division by zero');
	assert.equal(event.time, Date.parse('2026-11-27T09:15:00.000Z'));
	assert.equal(event.detail, 'logger=app.api request_id=r1');
	assert.equal(formatEvent(event, {timestamps: true, utc: true}), '09:15:00.000 ERROR Unhandled error exception="ZeroDivisionError: float division by zero" logger=app.api request_id=r1');
});

const LEVELS: Array<[string, string | null, string]> = [
	['INFO:     127.0.0.1:5 - "GET /healthz HTTP/1.1" 200 OK', 'INFO', '127.0.0.1:5 - "GET /healthz HTTP/1.1" 200 OK'],
	['ERROR:    Exception in ASGI application', 'ERROR', 'Exception in ASGI application'],
	['WARNING:  Invalid HTTP request received.', 'WARN', 'Invalid HTTP request received.'],
	['CRITICAL:root:disk gone', 'FATAL', 'root:disk gone'],
	['\x1b[32mINFO\x1b[0m:     Application startup complete.', 'INFO', 'Application startup complete.'],
	['time=2026-01-01T00:00:00Z level=error msg="db down"', 'ERROR', 'time=2026-01-01T00:00:00Z level=error msg="db down"'],
	['ts=1 level="warn" msg=slow', 'WARN', 'ts=1 level="warn" msg=slow'],
	['2026/11/27 09:14:26 [error] 29#29: *1 connect() failed (111: Connection refused)', 'ERROR', '2026/11/27 09:14:26 [error] 29#29: *1 connect() failed (111: Connection refused)'],
	['2026/11/27 09:14:26 [crit] 29#29: out of files', 'FATAL', '2026/11/27 09:14:26 [crit] 29#29: out of files'],
	['2026/11/27 09:14:26 [notice] 1#1: start worker processes', 'INFO', '2026/11/27 09:14:26 [notice] 1#1: start worker processes'],
	['2026-11-27 09:14:26,875 DEBUG cache warm', 'DEBUG', '2026-11-27 09:14:26,875 DEBUG cache warm'],
	['[FATAL] cannot bind', 'FATAL', '[FATAL] cannot bind'],
	['TypeError: x is not a function', 'ERROR', 'TypeError: x is not a function'],
	['no error here, all good', null, 'no error here, all good'],
	['10.0.0.1 - - [27/Nov/2026:09:14:26 +0000] "GET / HTTP/1.1" 200 612', null, '10.0.0.1 - - [27/Nov/2026:09:14:26 +0000] "GET / HTTP/1.1" 200 612'],
];
for (const [text, level, message] of LEVELS) {
	test(`plain line level: ${JSON.stringify(text).slice(0, 60)}`, () => {
		const event = parseLogLine(line(text, {stream: 'stderr'}));
		assert.equal(event.level, level);
		assert.equal(event.message, message);
		assert.equal(event.time, 1_000);
		assert.equal(event.raw, text);
		assert.equal(event.exception, null);
		assert.equal(event.stream, 'stderr');
	});
}

test('level mapping', () => {
	assert.equal(normalizeLevel('WARNING'), 'WARN');
	assert.equal(normalizeLevel('critical'), 'FATAL');
	assert.equal(normalizeLevel('Info'), 'INFO');
	assert.equal(normalizeLevel(50), 'ERROR');
	assert.equal(normalizeLevel(30), 'INFO');
	assert.equal(normalizeLevel('loud'), null);
	assert.equal(normalizeLevel(undefined), null);
});

const GARBAGE: string[] = ['{"timestamp": "2026", "level": "ERROR"', '{not json}', '[1,2,3]', '{}', '{"level": 5, "message": {"nested": true}}', 'null', ''];
for (const text of GARBAGE) {
	test(`garbage never throws: ${JSON.stringify(text)}`, () => {
		const event = parseLogLine(line(text));
		assert.equal(event.raw, text);
		assert.equal(typeof event.message, 'string');
	});
}

test('JSON with an invalid timestamp falls back to the source time; objects are stringified', () => {
	const event = parseLogLine(line('{"timestamp": "yesterday", "level": "warning", "message": "m", "extra": {"a": 1}, "n": null}'));
	assert.equal(event.time, 1_000);
	assert.equal(event.level, 'WARN');
	assert.equal(event.detail, 'extra="{\\"a\\":1}" n=null');
});

test('pino style: numeric level, msg, epoch ms time', () => {
	const event = parseLogLine(line('{"level":50,"time":1795770866875,"msg":"boom","pid":1}'));
	assert.equal(event.level, 'ERROR');
	assert.equal(event.message, 'boom');
	assert.equal(event.time, 1795770866875);
});

test('a joined plain traceback becomes one ERROR event', () => {
	const traceback = fixture('involution-traceback.txt').trimEnd();
	const joined = parseLogLine(line(`ERROR:    Exception in ASGI application\n${traceback}`, {stream: 'stderr'}));
	assert.equal(joined.level, 'ERROR');
	assert.equal(joined.message, 'Exception in ASGI application');
	assert.equal(joined.exception, traceback);
	const bare = parseLogLine(line(traceback));
	assert.equal(bare.level, 'ERROR');
	assert.equal(bare.message, 'ZeroDivisionError: float division by zero');
});

test('raw is kept up to 64 KB', () => {
	const big = 'x'.repeat(MAX_RAW + 500);
	assert.equal(parseLogLine(line(big)).raw.length, MAX_RAW);
	const json = JSON.stringify({level: 'ERROR', message: 'y'.repeat(MAX_RAW)});
	const event = parseLogLine(line(json));
	assert.equal(event.level, 'ERROR');
	assert.equal(event.raw.length, MAX_RAW);
});

test('formatEvent without timestamps, no level, quoted values', () => {
	const event = parseLogLine(line('{"message": "hello", "path": "/a b", "empty": "", "n": 3}'));
	assert.equal(formatEvent(event, {timestamps: false}), '-     hello path="/a b" empty="" n=3');
});

test('a request line reads level, message, method, path, status and duration first, and ids last', () => {
	const text = readFileSync(new URL('./fixtures/involution-logs.jsonl', import.meta.url), 'utf8')
		.split('\n')
		.find((entry) => entry.includes('"HTTP request processed"'))!;
	const shown = formatEvent(parseLogLine(line(text)), {timestamps: false});
	assert.match(shown, /^INFO  HTTP request processed method=GET path=\/healthz status_code=200 duration_ms=0\.52 user_agent="" logger=app\.main request_id=[0-9a-f-]{36}$/, shown);
	// Cut where a 120-column log panel cuts it, the line still has what triage reads.
	assert.match(shown.slice(0, 100), /method=GET path=\/healthz status_code=200 duration_ms=0\.52/);
	const rejected = formatEvent(parseLogLine(line(JSON.stringify({level: 'WARNING', message: 'Request rejected', request_id: 'r9', trace_id: 't1', error_code: 'INPUT.INVALID', duration_ms: 3, status_code: 422, path: '/v1/x', method: 'POST'}))), {timestamps: false});
	assert.equal(rejected, 'WARN  Request rejected method=POST path=/v1/x status_code=422 duration_ms=3 error_code=INPUT.INVALID request_id=r9 trace_id=t1');
});
