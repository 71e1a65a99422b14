import {test} from 'node:test';
import assert from 'node:assert/strict';
import {encodeCommand, parseReply, RespError} from '../source/adapters/resp.ts';

// The part of Redis's wire protocol the console speaks: commands as arrays of bulk strings, and
// the replies PING, INFO and AUTH give, whole or cut anywhere.

test('commands are arrays of bulk strings, byte lengths included', () => {
	assert.equal(encodeCommand(['PING']).toString(), '*1\r\n$4\r\nPING\r\n');
	assert.equal(encodeCommand(['AUTH', 'ü', 'p w']).toString(), '*3\r\n$4\r\nAUTH\r\n$2\r\nü\r\n$3\r\np w\r\n');
});

test('replies: simple, error, integer, bulk and null; null while incomplete, at any cut', () => {
	const cases: Array<[string, string | number | null | RespError]> = [
		['+PONG\r\n', 'PONG'],
		['-NOAUTH Authentication required.\r\n', new RespError('NOAUTH Authentication required.')],
		[':42\r\n', 42],
		['$11\r\n# Server\r\na\r\n', '# Server\r\na'],
		['$-1\r\n', null],
	];
	for (const [wire, want] of cases) {
		const whole = parseReply(Buffer.from(wire));
		assert.ok(whole);
		assert.deepEqual(whole.value instanceof RespError ? whole.value.message : whole.value, want instanceof RespError ? want.message : want);
		assert.equal(whole.length, Buffer.byteLength(wire));
		for (let cut = 0; cut < wire.length; cut++) assert.equal(parseReply(Buffer.from(wire.slice(0, cut))), null, `${JSON.stringify(wire)} cut at ${cut}`);
	}
	assert.throws(() => parseReply(Buffer.from('HTTP/1.1 400\r\n')), /unexpected reply from Redis/);
});
