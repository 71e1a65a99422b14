import assert from 'node:assert/strict';
import {test} from 'node:test';
import {LineSplitter, MAX_PARTIAL, nsToMs, nsToSince, parseStamp, ResumeCursor} from '../source/adapters/docker/log-lines.ts';

test('parseStamp: RFC3339Nano prefix to nanoseconds, text kept byte for byte', () => {
	const line = parseStamp('2025-11-27T11:33:42.208690662Z {"level":"INFO", "message":"a b"}');
	assert.equal(line.ns, BigInt(Date.parse('2025-11-27T11:33:42Z')) * 1_000_000n + 208_690_662n);
	assert.equal(line.text, '{"level":"INFO", "message":"a b"}');
	assert.equal(nsToMs(line.ns!), Date.parse('2025-11-27T11:33:42.208Z'));
	// Short fractions are padded, a missing fraction is zero, offsets are honoured.
	assert.equal(parseStamp('2025-11-27T11:33:42.5Z x').ns, BigInt(Date.parse('2025-11-27T11:33:42Z')) * 1_000_000n + 500_000_000n);
	assert.equal(parseStamp('2025-11-27T11:33:42Z x').ns, BigInt(Date.parse('2025-11-27T11:33:42Z')) * 1_000_000n);
	assert.equal(parseStamp('2025-11-27T12:33:42+01:00 x').ns, BigInt(Date.parse('2025-11-27T11:33:42Z')) * 1_000_000n);
	// An empty line after the stamp is an empty line, not a missing stamp.
	assert.deepEqual(parseStamp('2025-11-27T11:33:42.1Z ').text, '');
});

test('parseStamp: lines of the same second (read without the regex) give what a fresh parse gives', () => {
	const second = '2025-11-27T11:33:42';
	const lines = [`${second}.1Z a`, `${second}.208690662Z b`, `${second}Z c`, `${second}.000000001Z `, `${second}.5Z {"x":1}`, `${second}.Z bad`, `${second}.1234567891Z bad`, `${second}.2Zno space`, '2025-11-27T11:33:43.7Z next second'];
	for (const line of lines) {
		const fast = parseStamp(line);
		parseStamp('2000-01-01T00:00:00Z reset the kept second');
		const fresh = parseStamp(line);
		assert.deepEqual(fast, fresh, line);
		parseStamp(`${second}Z keep the second again`);
	}
	assert.equal(parseStamp(`${second}.208690662Z b`).ms, Date.parse('2025-11-27T11:33:42.208Z'));
	assert.equal(parseStamp(`${second}.Z bad`).ns, null);
});

test('parseStamp: lines without a valid prefix pass through whole', () => {
	for (const raw of ['INFO:     Started server process [1]', '2025-11-27 11:33:42 plain', '2025-13-45T99:99:99Z bad date', '', '2025-11-27T11:33:42.208690662Z']) {
		assert.deepEqual(parseStamp(raw), {ns: null, ms: null, text: raw}, raw);
	}
});

test('nsToSince: Docker\'s seconds.nanoseconds, zero-padded', () => {
	assert.equal(nsToSince(1_700_000_000_000_000_042n), '1700000000.000000042');
	assert.equal(nsToSince(1_700_000_000_500_000_000n), '1700000000.500000000');
});

test('LineSplitter: lines split across chunks, many lines per chunk, CRLF, last line without newline', () => {
	const lines: string[] = [];
	const splitter = new LineSplitter((l) => lines.push(l));
	splitter.push('first li');
	splitter.push(Buffer.from('ne\nsecond\r\nthi'));
	assert.deepEqual(lines, ['first line', 'second']);
	splitter.push('rd\n\nfourth');
	assert.deepEqual(lines, ['first line', 'second', 'third', '']);
	splitter.end();
	assert.deepEqual(lines, ['first line', 'second', 'third', '', 'fourth']);
	splitter.end();
	assert.equal(lines.length, 5, 'end() twice adds nothing');
});

test('LineSplitter: a multi-byte character cut between two chunks arrives whole', () => {
	const lines: string[] = [];
	const splitter = new LineSplitter((l) => lines.push(l));
	const bytes = Buffer.from('température 42 °C ✓\n', 'utf8');
	const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of the check mark
	const first = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
	splitter.push(bytes.subarray(0, first));
	splitter.push(bytes.subarray(first, cut));
	splitter.push(bytes.subarray(cut));
	assert.deepEqual(lines, ['température 42 °C ✓']);
});

test('LineSplitter: a partial line is bounded', () => {
	const lines: string[] = [];
	const splitter = new LineSplitter((l) => lines.push(l));
	splitter.push('x'.repeat(MAX_PARTIAL + 10));
	assert.equal(lines.length, 1);
	assert.equal(lines[0]!.length, MAX_PARTIAL);
	splitter.push('\n');
	assert.equal(lines[1], 'x'.repeat(10));
});

test('ResumeCursor: a resumed stream repeats the lines at the since boundary; they are dropped once', () => {
	const cursor = new ResumeCursor();
	assert.equal(cursor.since(), undefined);
	assert.equal(cursor.accept(100n, 'a'), true);
	assert.equal(cursor.accept(200n, 'b'), true);
	assert.equal(cursor.accept(200n, 'c'), true);
	assert.equal(cursor.since(), nsToSince(200n));
	cursor.resume();
	// Docker's since is inclusive: it gives back everything at 200 again, then new lines.
	assert.equal(cursor.accept(200n, 'b'), false);
	assert.equal(cursor.accept(200n, 'c'), false);
	assert.equal(cursor.accept(150n, 'a'), false, 'older than the cursor while replaying: a repeat');
	assert.equal(cursor.accept(200n, 'd'), true, 'a new line with the same timestamp passes');
	assert.equal(cursor.accept(300n, 'e'), true);
	assert.equal(cursor.since(), nsToSince(300n));
});

test('ResumeCursor: in a live stream a line stamped before the one ahead of it is new (stdout and stderr are stamped apart)', () => {
	const cursor = new ResumeCursor();
	assert.equal(cursor.accept(100n, 'stdout a'), true);
	assert.equal(cursor.accept(90n, 'stderr b'), true);
	assert.equal(cursor.accept(200n, 'stdout c'), true);
	assert.equal(cursor.accept(150n, 'stderr d'), true);
	assert.equal(cursor.since(), nsToSince(200n), 'the newest timestamp, not the last line\'s');
	cursor.resume();
	assert.equal(cursor.accept(200n, 'stdout c'), false);
	assert.equal(cursor.accept(300n, 'stdout e'), true);
	assert.equal(cursor.accept(250n, 'stderr f'), true, 'replay over: out of order again, and new');
});

test('ResumeCursor: identical lines with the same timestamp are counted, not merged', () => {
	const cursor = new ResumeCursor();
	assert.equal(cursor.accept(100n, 'x'), true);
	assert.equal(cursor.accept(100n, 'x'), true, 'not replaying: the same text twice is two lines');
	cursor.resume();
	assert.equal(cursor.accept(100n, 'x'), false);
	assert.equal(cursor.accept(100n, 'x'), false);
	assert.equal(cursor.accept(100n, 'x'), true, 'a third copy is new');
});

test('ResumeCursor: two reattaches in a row without new lines still drop every repeat', () => {
	const cursor = new ResumeCursor();
	cursor.accept(100n, 'a');
	cursor.accept(100n, 'b');
	cursor.resume();
	assert.equal(cursor.accept(100n, 'a'), false);
	cursor.resume(); // the stream broke after one repeated line
	assert.equal(cursor.accept(100n, 'a'), false);
	assert.equal(cursor.accept(100n, 'b'), false);
	assert.equal(cursor.accept(101n, 'c'), true);
});

test('ResumeCursor: lines without a timestamp always pass', () => {
	const cursor = new ResumeCursor();
	cursor.accept(100n, 'a');
	cursor.resume();
	assert.equal(cursor.accept(null, 'a'), true);
	assert.equal(cursor.accept(null, 'a'), true);
});
