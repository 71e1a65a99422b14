import assert from 'node:assert/strict';
import {test} from 'node:test';
import {PassThrough} from 'node:stream';
import Docker from 'dockerode';
import {FrameDemuxer} from '../source/adapters/docker/log-lines.ts';

// Docker's multiplexed log bytes, cut at every possible place, give the same stdout and stderr
// bytes as dockerode's demuxStream (the reference), in order.

function frame(type: 1 | 2, text: string): Buffer {
	const payload = Buffer.from(text);
	const header = Buffer.alloc(8);
	header[0] = type;
	header.writeUInt32BE(payload.length, 4);
	return Buffer.concat([header, payload]);
}

const frames = Array.from({length: 300}, (_, i) => frame(i % 7 === 0 ? 2 : 1, `2026-12-06T14:00:00.${String(i).padStart(9, '0')}Z {"message":"request ${i} served 東京"}\n`));
frames.push(frame(1, ''), frame(2, 'no newline'));
const bytes = Buffer.concat(frames);

function demux(chunks: Buffer[]): {out: string; err: string} {
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	const demuxer = new FrameDemuxer((p) => out.push(Buffer.from(p)), (p) => err.push(Buffer.from(p)));
	for (const chunk of chunks) demuxer.push(chunk);
	return {out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString()};
}

async function reference(): Promise<{out: string; err: string}> {
	const stream = new PassThrough();
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	new Docker().modem.demuxStream(stream, {write: (c: Buffer) => out.push(c)} as never, {write: (c: Buffer) => err.push(c)} as never);
	stream.end(bytes);
	await new Promise((resolve) => stream.on('end', resolve).resume());
	return {out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString()};
}

test('FrameDemuxer gives the bytes dockerode gives, whatever the chunk boundaries', async () => {
	const expected = await reference();
	assert.ok(expected.err.includes('request 7 served') && expected.out.includes('request 299 served'));
	assert.deepEqual(demux([bytes]), expected, 'one chunk');
	for (const size of [1, 3, 7, 8, 9, 100, 4096]) {
		const chunks: Buffer[] = [];
		for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
		assert.deepEqual(demux(chunks), expected, `chunks of ${size} bytes`);
	}
});

test('a stream that is not multiplexed passes through as stdout from the first bad header on', () => {
	const raw = Buffer.from('plain tty output\nmore\n');
	const result = demux([frame(1, 'framed\n'), raw.subarray(0, 5), raw.subarray(5)]);
	assert.equal(result.out, 'framed\nplain tty output\nmore\n');
	assert.equal(result.err, '');
});
