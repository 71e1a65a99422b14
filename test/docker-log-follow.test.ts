import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, test} from 'node:test';
import Docker from 'dockerode';
import {createDockerLogSource} from '../source/adapters/docker/logs.ts';
import type {RawLine} from '../source/core/types.ts';
import {waitFor} from './helpers/mini-deployment.ts';

// The Docker log follower against a daemon that answers over real HTTP with real multiplexed
// frames, in the order a daemon writes them: it stamps stdout and stderr lines in two copiers,
// so a stderr line can follow a stdout line stamped after it. Every line written arrives once,
// across chunk boundaries, a last line without its newline, and a reattach after the stream ends.

const SECOND = '2026-12-06T14:00:00';
const stamp = (ns: number) => `${SECOND}.${String(ns).padStart(9, '0')}Z`;

function frame(type: 1 | 2, ns: number, text: string, newline = true): Buffer {
	const payload = Buffer.from(`${stamp(ns)} ${text}${newline ? '\n' : ''}`);
	const header = Buffer.alloc(8);
	header[0] = type;
	header.writeUInt32BE(payload.length, 4);
	return Buffer.concat([header, payload]);
}

/** The bytes as HTTP chunks cut at awkward places: inside a header, inside a timestamp. */
function cutEvery(bytes: Buffer, size: number): Buffer[] {
	const chunks: Buffer[] = [];
	for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
	return chunks;
}

const logRequests: URLSearchParams[] = [];
const open = new Set<ServerResponse>();
// First attach: a stdout line, then a stderr line stamped 50 ns before it (written after it),
// more of both, and a last stdout line without its newline; then the stream ends (as a followed
// stream does when the daemon closes it). Second attach (since the newest timestamp, which Docker
// treats as inclusive): that last line again, then a new one, and the stream stays open.
const first = Buffer.concat([
	frame(1, 100, '{"message":"a"}'),
	frame(2, 50, 'INFO:     b (stamped before a, written after it)'),
	frame(1, 200, '{"message":"c"}'),
	frame(2, 150, 'INFO:     d (stamped before c)'),
	frame(1, 300, '{"message":"e"}', false),
]);
const second = Buffer.concat([frame(1, 300, '{"message":"e"}'), frame(1, 400, '{"message":"f"}')]);

async function daemon(req: IncomingMessage, res: ServerResponse): Promise<void> {
	const url = new URL(req.url!, 'http://docker');
	const path = url.pathname.replace(/^\/v[\d.]+/, '');
	if (path === '/events') {
		res.writeHead(200, {'content-type': 'application/json'});
		res.flushHeaders();
		open.add(res);
		return;
	}
	if (path === '/containers/engine-stable/json') {
		res.writeHead(200, {'content-type': 'application/json'});
		res.end(JSON.stringify({Id: 'c0ffee', State: {Running: true, Status: 'running', StartedAt: `${SECOND}Z`, FinishedAt: '0001-01-01T00:00:00Z'}, Config: {Tty: false}}));
		return;
	}
	if (path === '/containers/engine-stable/logs') {
		logRequests.push(url.searchParams);
		res.writeHead(200, {'content-type': 'application/vnd.docker.raw-stream'});
		if (logRequests.length === 1) {
			for (const chunk of cutEvery(first, 13)) {
				res.write(chunk);
				await new Promise((resolve) => setImmediate(resolve));
			}
			res.end();
		} else {
			res.write(second);
			open.add(res);
		}
		return;
	}
	res.writeHead(404, {'content-type': 'application/json'});
	res.end(JSON.stringify({message: `No such container: ${path}`}));
}

const server = createServer((req, res) => void daemon(req, res));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const follow = new AbortController();

after(async () => {
	follow.abort();
	for (const res of open) res.destroy();
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

test('every line the daemon wrote arrives once: stderr stamped before the stdout line ahead of it, cut frames, a reattach', async () => {
	const docker = new Docker({host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocol: 'http'});
	const lines: RawLine[] = [];
	createDockerLogSource(docker, {stable: 'engine-stable', canary: 'engine-canary'}).follow(
		'stable',
		{lines: (batch) => void lines.push(...batch), gap: () => {}, status: () => {}},
		follow.signal,
	);
	const texts = () => lines.map((l) => `${l.stream} ${l.text}`);
	await waitFor(texts, (t) => t.includes('stdout {"message":"f"}'), 5000);
	assert.deepEqual(texts(), [
		'stdout {"message":"a"}',
		'stderr INFO:     b (stamped before a, written after it)',
		'stdout {"message":"c"}',
		'stderr INFO:     d (stamped before c)',
		'stdout {"message":"e"}',
		'stdout {"message":"f"}',
	]);
	assert.equal(logRequests.length, 2);
	assert.equal(logRequests[1]!.get('since'), `${Date.parse(`${SECOND}Z`) / 1000}.000000300`, 'the reattach resumes from the newest timestamp');
	assert.deepEqual(lines.map((l) => l.time), [0, 0, 0, 0, 0, 0].map(() => Date.parse(`${SECOND}Z`)));
});
