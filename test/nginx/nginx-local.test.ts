// Real nginx: run with `node --import tsx --test test/nginx/*.test.ts`. Fails when nginx is missing.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';
import {findNginx, startLocalNginx, type LocalNginx} from '../../source/adapters/nginx-local.ts';
import {renderLabConfig} from '../../source/lab/lab-config.ts';
import {readSplit, findUpstream, renderSplit, formatSplit, type Split} from '../../source/domain/upstream.ts';
import {waitUntil} from '../helpers/wait.ts';
import {freePort} from '../helpers/ports.ts';

async function startUpstream(id: string) {
	const server = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => res.end(id));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => {
			const closed = new Promise<void>(resolve => server.close(() => resolve()));
			server.closeAllConnections();
			return closed;
		},
	};
}

function get(agent: http.Agent, port: number): Promise<{status: number; upstream: string}> {
	return new Promise((resolve, reject) => {
		const req = http.get({host: '127.0.0.1', port, path: '/healthz', agent}, res => {
			res.resume();
			res.on('end', () => resolve({status: res.statusCode!, upstream: String(res.headers['x-upstream'])}));
		});
		req.on('error', reject);
	});
}

async function sample(port: number, n: number): Promise<Record<string, number>> {
	const agent = new http.Agent({keepAlive: true, maxSockets: 1});
	const counts: Record<string, number> = {};
	try {
		for (let i = 0; i < n; i++) {
			// A reload may cut a kept-alive connection: retry once (FACTS.md §2).
			const reply = await get(agent, port).catch(() => get(agent, port));
			const key = `${reply.status} ${reply.upstream}`;
			counts[key] = (counts[key] ?? 0) + 1;
		}
	} finally {
		agent.destroy();
	}
	return counts;
}

const UPSTREAM = 'involution_engine';
let dir: string;
let nginx: LocalNginx;
let port: number;
let stable: Awaited<ReturnType<typeof startUpstream>>;
let canary: Awaited<ReturnType<typeof startUpstream>>;
let roles: {stable: string; canary: string};

before(async () => {
	assert.ok(findNginx(), 'this suite needs a real nginx: apt-get install -y --no-install-recommends nginx-light');
	dir = await mkdtemp(join(tmpdir(), 'nginx-local-test-'));
	stable = await startUpstream('stable');
	canary = await startUpstream('canary');
	roles = {stable: stable.address, canary: canary.address};
	port = await freePort();
	const configText = renderLabConfig({upstream: UPSTREAM, ...roles, split: {stable: 90, canary: 10}, listenPort: port, upstreamHeader: true});
	nginx = await startLocalNginx({dir, configText});
});

after(async () => {
	await nginx?.stop();
	await stable?.close();
	await canary?.close();
	if (dir) await rm(dir, {recursive: true, force: true});
});

test('describes itself and serves through to the upstreams with X-Upstream', async () => {
	assert.match(nginx.proxy.describe, /^nginx \d+\.\d+\.\d+ \(local\)$/);
	assert.equal(nginx.proxy.configPath, join(dir, 'conf.d', 'default.conf'));
	assert.ok(nginx.pid > 0);
	const counts = await sample(port, 100);
	assert.deepEqual(counts, {[`200 ${stable.address}`]: 90, [`200 ${canary.address}`]: 10});
	const log = await readFile(join(dir, 'logs', 'access.log'), 'utf8').catch(() => '');
	// The access log is buffered per worker only when asked to; by default each line is written at once.
	assert.match(log, new RegExp(`upstream=${canary.address.replace(/\./g, '\\.')} upstream_time=\\d`));
});

test('every stage passes real nginx -t; weight=0 does not', async () => {
	const original = await nginx.proxy.readHost();
	const {ino} = await stat(nginx.proxy.configPath);
	try {
		const stages: Split[] = [{stable: 90, canary: 10}, {stable: 50, canary: 50}, {stable: 0, canary: 100}, {stable: 100, canary: 0}];
		for (const split of stages) {
			const rendered = renderSplit(original, UPSTREAM, roles, split);
			assert.ok(!('error' in rendered));
			await nginx.proxy.writeHost(rendered.text);
			const result = await nginx.proxy.validate();
			assert.deepEqual([result.ok, result.exitCode], [true, 0], `${formatSplit(split)}: ${result.output}`);
			assert.match(result.output, /test is successful/);
		}
		assert.equal((await stat(nginx.proxy.configPath)).ino, ino, 'written in place');
		await nginx.proxy.writeHost(original.replace('weight=10;', 'weight=0;'));
		const refused = await nginx.proxy.validate();
		assert.equal(refused.ok, false);
		assert.equal(refused.exitCode, 1);
		assert.match(refused.output, /invalid parameter "weight=0"/);
	} finally {
		await nginx.proxy.writeHost(original);
	}
});

test('write 50/50 and reload: the split moves', async () => {
	const original = await nginx.proxy.readHost();
	try {
		const rendered = renderSplit(original, UPSTREAM, roles, {stable: 50, canary: 50});
		assert.ok(!('error' in rendered));
		await nginx.proxy.writeHost(rendered.text);
		assert.equal(await nginx.proxy.readSeen(), rendered.text);
		const reload = await nginx.proxy.reload();
		assert.ok(reload.ok, reload.output);
		// Reload is asynchronous: old workers answer for a moment. Poll with a deadline.
		const want = {[`200 ${stable.address}`]: 10, [`200 ${canary.address}`]: 10};
		let last: Record<string, number> = {};
		await waitUntil('the new weights served', async () => JSON.stringify((last = await sample(port, 20))) === JSON.stringify(want), {timeoutMs: 10_000, everyMs: 50}).catch(() => {});
		assert.deepEqual(last, want);
		const block = findUpstream(await nginx.proxy.readSeen(), UPSTREAM, roles);
		assert.ok(!('error' in block));
		assert.deepEqual(readSplit(block), {stable: 50, canary: 50});
	} finally {
		await nginx.proxy.writeHost(original);
		await nginx.proxy.reload();
	}
});

test('a corrupted file fails validation with nginx\'s own message', async () => {
	const original = await nginx.proxy.readHost();
	try {
		await nginx.proxy.writeHost(original.replace('keepalive 64;', 'keepalive 64'));
		const result = await nginx.proxy.validate();
		assert.equal(result.ok, false);
		assert.match(result.output, /\[emerg\].*default\.conf:\d+/);
		assert.match(result.output, /test failed/);
	} finally {
		await nginx.proxy.writeHost(original);
	}
	assert.ok((await nginx.proxy.validate()).ok);
});

test('restart brings nginx back on the same config; stop leaves no master', async () => {
	const oldPid = nginx.pid;
	const result = await nginx.proxy.restart!();
	assert.ok(result.ok, result.output);
	assert.notEqual(nginx.pid, oldPid);
	assert.throws(() => process.kill(oldPid, 0), /ESRCH/);
	assert.equal((await sample(port, 10))[`200 ${stable.address}`], 9);
});

test('a config nginx cannot load makes startLocalNginx fail with nginx\'s message', async () => {
	const other = await mkdtemp(join(tmpdir(), 'nginx-local-bad-'));
	try {
		await assert.rejects(startLocalNginx({dir: other, configText: 'upstream u { server 127.0.0.1:1 weight=0; }\n'}), /invalid parameter "weight=0"/);
	} finally {
		await rm(other, {recursive: true, force: true});
	}
});
