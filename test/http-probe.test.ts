import {test, after} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {createHttpProbe} from '../source/adapters/http-probe.ts';
import {ProbeError} from '../source/core/types.ts';

const open: Array<http.Server | net.Server> = [];
let connections = 0;

async function listen<T extends http.Server | net.Server>(server: T): Promise<{server: T; base: string; port: number}> {
	open.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {server, base: `http://127.0.0.1:${port}`, port};
}

const app = http.createServer((req, res) => {
	if (req.url === '/healthz') {
		res.writeHead(200, {'content-type': 'application/json'});
		res.end(JSON.stringify({status: 'healthy', version: '1.1.0'}));
	} else if (req.url === '/down') {
		res.writeHead(503, {'content-type': 'application/json'});
		res.end('{"status":"unhealthy","error":"pool exhausted"}');
	} else if (req.url === '/slow') {
		// Never answers: only a timeout or an abort ends this request.
		req.on('close', () => res.destroy());
	} else if (req.url === '/big') {
		res.end('x'.repeat(300_000));
	} else {
		res.writeHead(404);
		res.end();
	}
});
app.on('connection', () => connections++);
const ready = listen(app);
// Generous defaults so a loaded machine never fails the ordinary cases; timeout tests pass their own.
const probe = createHttpProbe({connectTimeoutMs: 1000, totalTimeoutMs: 4000, maxBodyBytes: 200_000});

after(async () => {
	await probe.close();
	for (const server of open) {
		if (server instanceof http.Server) server.closeAllConnections();
		server.close();
	}
});

async function failure(promise: Promise<unknown>): Promise<ProbeError> {
	try {
		await promise;
	} catch (error) {
		assert.ok(error instanceof ProbeError, `not a ProbeError: ${error}`);
		return error;
	}
	assert.fail('expected a ProbeError');
}

test('ok: status, headers, body and time, over one kept-alive connection', async () => {
	const {base} = await ready;
	const before = connections;
	const first = await probe.get(`${base}/healthz`);
	assert.equal(first.status, 200);
	assert.equal(first.headers['content-type'], 'application/json');
	assert.deepEqual(JSON.parse(first.body), {status: 'healthy', version: '1.1.0'});
	assert.ok(first.ms >= 0 && first.ms < 4000);
	for (let i = 0; i < 8; i++) await probe.get(`${base}/healthz`);
	// undici frees the socket a tick after the body ends, so the second call may open one more.
	assert.ok(connections - before <= 2, `${connections - before} connections for 9 requests`);
});

test('503 is an answer, not a failure', async () => {
	const {base} = await ready;
	const res = await probe.get(`${base}/down`);
	assert.equal(res.status, 503);
	assert.match(res.body, /pool exhausted/);
});

test('slow beyond the total timeout -> timeout', async () => {
	const {base, port} = await ready;
	const quick = createHttpProbe({totalTimeoutMs: 200});
	const started = Date.now();
	const error = await failure(quick.get(`${base}/slow`));
	await quick.close();
	assert.equal(error.kind, 'timeout');
	assert.equal(error.message, `no answer from 127.0.0.1:${port} within 200 ms`);
	assert.ok(Date.now() - started < 3000);
});

test('per-call timeout overrides the default', async () => {
	const {base} = await ready;
	const error = await failure(probe.get(`${base}/slow`, {timeoutMs: 50}));
	assert.equal(error.kind, 'timeout');
	assert.match(error.message, /within 50 ms/);
});

test('closed port -> refused, in words', async () => {
	const {server, port} = await listen(net.createServer());
	await new Promise<void>((resolve) => server.close(() => resolve()));
	const error = await failure(probe.get(`http://127.0.0.1:${port}/healthz`));
	assert.equal(error.kind, 'refused');
	assert.equal(error.message, `connection refused at 127.0.0.1:${port}`);
});

test('abort through the signal', async () => {
	const {base} = await ready;
	const controller = new AbortController();
	const pending = probe.get(`${base}/slow`, {signal: controller.signal});
	setImmediate(() => controller.abort());
	const error = await failure(pending);
	assert.equal(error.kind, 'error');
	assert.match(error.message, /cancelled/);
	const already = await failure(probe.get(`${base}/healthz`, {signal: AbortSignal.abort()}));
	assert.match(already.message, /cancelled/);
});

test('garbage instead of HTTP -> bad-response', async () => {
	const {base} = await listen(net.createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n')));
	const error = await failure(probe.get(`${base}/metrics`));
	assert.ok(['bad-response', 'error'].includes(error.kind), error.kind);
	assert.match(error.message, /127\.0\.0\.1/);
});

test('a body beyond the limit -> bad-response', async () => {
	const {base} = await ready;
	const error = await failure(probe.get(`${base}/big`));
	assert.equal(error.kind, 'bad-response');
	assert.match(error.message, /sent more than/);
});

test('a kept-alive connection the server cut is retried once', async () => {
	let served = 0;
	// Answers, then destroys every idle socket, as nginx does on reload.
	const flaky = http.createServer((_req, res) => {
		served++;
		res.end('ok');
	});
	flaky.keepAliveTimeout = 60_000;
	const {base} = await listen(flaky);
	assert.equal((await probe.get(`${base}/`)).body, 'ok');
	flaky.closeIdleConnections();
	assert.equal((await probe.get(`${base}/`)).body, 'ok');
	assert.equal(served, 2);
});

test('not a URL', async () => {
	const error = await failure(probe.get('::nope'));
	assert.equal(error.kind, 'error');
});
