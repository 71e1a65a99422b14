import {test} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';
import {checkConfig, startBalancer, LAB_BALANCER_SERVER} from '../source/lab/balancer.ts';
import {checkConfigText} from '../source/lab/balancer-config.ts';
import {renderLabConfig} from '../source/lab/lab-config.ts';
import {createLabProxy} from '../source/lab/lab-proxy.ts';
import {renderSplit, type Split} from '../source/domain/upstream.ts';

/** A real engine stand-in on port 0 that answers with its own id. */
async function startUpstream(id: string, port = 0): Promise<{address: string; close: () => Promise<void>}> {
	const server = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => res.end(`${id} ${req.method} ${req.url}`));
	});
	await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
	return {
		address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => {
			const closed = new Promise<void>(resolve => server.close(() => resolve()));
			server.closeAllConnections();
			return closed;
		},
	};
}

interface Reply {
	status: number;
	upstream: string | undefined;
	server: string | undefined;
	body: string;
}

function get(agent: http.Agent, port: number, path = '/healthz', method = 'GET', body?: string): Promise<Reply> {
	return new Promise((resolve, reject) => {
		const req = http.request({host: '127.0.0.1', port, path, method, agent}, res => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', chunk => (text += chunk));
			res.on('end', () =>
				resolve({status: res.statusCode!, upstream: res.headers['x-upstream'] as string | undefined, server: res.headers.server as string | undefined, body: text}),
			);
		});
		req.on('error', reject);
		req.end(body);
	});
}

/**
 * Answers per status and answering engine, by what the engine itself says (its id in the body):
 * the guide's config adds no header that would tell.
 */
async function tally(port: number, n: number): Promise<Map<string, number>> {
	const agent = new http.Agent({keepAlive: true, maxSockets: 1});
	const counts = new Map<string, number>();
	try {
		for (let i = 0; i < n; i++) {
			const reply = await get(agent, port);
			const key = `${reply.status} ${reply.status === 200 ? reply.body.split(' ')[0] : 'none'}`;
			counts.set(key, (counts.get(key) ?? 0) + 1);
		}
	} finally {
		agent.destroy();
	}
	return counts;
}

/** The guide's config by default; `upstreamHeader` adds `add_header X-Upstream $upstream_addr always;`. */
async function lab(split: Split, serverParameters = '', options: {upstreamHeader?: boolean} = {}) {
	const dir = await mkdtemp(join(tmpdir(), 'balancer-test-'));
	const stable = await startUpstream('stable');
	const canary = await startUpstream('canary');
	const roles = {stable: stable.address, canary: canary.address};
	const configPath = join(dir, 'default.conf');
	const text = renderLabConfig({upstream: 'involution_engine', stable: stable.address, canary: canary.address, split, listenPort: 0, upstreamHeader: options.upstreamHeader});
	await writeFile(configPath, text.replace(/(weight=\d+);/g, `$1${serverParameters};`));
	const balancer = await startBalancer({configPath, upstream: 'involution_engine', roles, port: 0});
	const setSplit = async (next: Split) => {
		const rendered = renderSplit(await readFile(configPath, 'utf8'), 'involution_engine', roles, next);
		if ('error' in rendered) throw new Error(rendered.error);
		await writeFile(configPath, rendered.text);
	};
	return {
		dir, stable, canary, roles, configPath, balancer, setSplit,
		async close() {
			await balancer.close();
			await stable.close();
			await canary.close();
			await rm(dir, {recursive: true, force: true});
		},
	};
}

test('90/10 over 200 requests is exactly 180/20; reload to 50/50 gives 100/100', async () => {
	const l = await lab({stable: 90, canary: 10});
	try {
		const first = await tally(l.balancer.port, 200);
		assert.deepEqual(Object.fromEntries(first), {'200 stable': 180, '200 canary': 20});
		await l.setSplit({stable: 50, canary: 50});
		// The file alone changes nothing until reload, as with nginx.
		assert.equal((await tally(l.balancer.port, 10)).get('200 canary'), 1);
		const reloaded = await l.balancer.reload();
		assert.ok(reloaded.ok, reloaded.message);
		const second = await tally(l.balancer.port, 200);
		assert.deepEqual(Object.fromEntries(second), {'200 stable': 100, '200 canary': 100});
	} finally {
		await l.close();
	}
});

test('responses pass through with X-Upstream and the lab Server header; bodies are forwarded', async () => {
	const l = await lab({stable: 100, canary: 0}, '', {upstreamHeader: true});
	try {
		const agent = new http.Agent({keepAlive: true});
		const reply = await get(agent, l.balancer.port, '/v1/positions?x=1', 'POST', '{"bodies":["Sun"]}');
		agent.destroy();
		assert.equal(reply.status, 200);
		assert.equal(reply.body, 'stable POST /v1/positions?x=1');
		assert.equal(reply.upstream, l.stable.address);
		assert.equal(reply.server, LAB_BALANCER_SERVER);
	} finally {
		await l.close();
	}
});

test('X-Upstream only when the config asks: none on the guide config, without always only on 2xx/3xx, with always on a 502 too', async () => {
	const agent = new http.Agent({keepAlive: true});
	const guide = await lab({stable: 0, canary: 100});
	try {
		assert.doesNotMatch(await readFile(guide.configPath, 'utf8'), /add_header/);
		const reply = await get(agent, guide.balancer.port);
		assert.deepEqual([reply.status, reply.upstream, reply.body], [200, undefined, 'canary GET /healthz']);
		await guide.canary.close();
		const dead = await get(agent, guide.balancer.port);
		assert.deepEqual([dead.status, dead.upstream], [502, undefined]);
	} finally {
		await guide.close().catch(() => undefined);
	}
	const plain = await lab({stable: 0, canary: 100});
	try {
		const text = await readFile(plain.configPath, 'utf8');
		await writeFile(plain.configPath, text.replace('proxy_pass', 'add_header X-Upstream "$upstream_addr";\n\t\tproxy_pass'));
		assert.ok((await plain.balancer.reload()).ok);
		assert.equal((await get(agent, plain.balancer.port)).upstream, plain.canary.address);
		await plain.canary.close();
		const dead = await get(agent, plain.balancer.port);
		assert.deepEqual([dead.status, dead.upstream], [502, undefined], 'nginx adds a header without always to 2xx and 3xx only');
		await writeFile(plain.configPath, text.replace('proxy_pass', 'add_header X-Upstream $upstream_addr always;\n\t\tproxy_pass'));
		assert.ok((await plain.balancer.reload()).ok);
		assert.deepEqual(await get(agent, plain.balancer.port).then((r) => [r.status, r.upstream]), [502, plain.canary.address]);
		await writeFile(plain.configPath, text.replace('proxy_pass', 'add_header X-Upstream;\n\t\tproxy_pass'));
		assert.match((await plain.balancer.reload()).message, /invalid number of arguments in "add_header" directive/);
	} finally {
		agent.destroy();
		await plain.close().catch(() => undefined);
	}
});

test('a down server gets nothing', async () => {
	const l = await lab({stable: 0, canary: 100});
	try {
		assert.ok((await readFile(l.configPath, 'utf8')).includes(`server ${l.stable.address} down;`));
		assert.deepEqual(Object.fromEntries(await tally(l.balancer.port, 50)), {'200 canary': 50});
	} finally {
		await l.close();
	}
});

test('a bad file on reload keeps the old config and says why', async () => {
	const l = await lab({stable: 90, canary: 10});
	try {
		const good = await readFile(l.configPath, 'utf8');
		await writeFile(l.configPath, good.replace(/weight=90/, 'weight=0').replace(/weight=10/, 'weight=100'));
		const check = await checkConfig(l.configPath, 'involution_engine', l.roles);
		assert.equal(check.ok, false);
		assert.match(check.output, new RegExp(`invalid parameter "weight=0" in ${l.configPath}:4`));
		assert.match(check.output, /test failed/);
		const reloaded = await l.balancer.reload();
		assert.equal(reloaded.ok, false);
		assert.match(reloaded.message, /old configuration kept.*invalid parameter "weight=0"/s);
		const counts = await tally(l.balancer.port, 100);
		assert.deepEqual(Object.fromEntries(counts), {'200 stable': 90, '200 canary': 10});

		await writeFile(l.configPath, good.replace('keepalive 64;', 'keepalive 64;\n}'));
		assert.match((await l.balancer.reload()).message, /unexpected "}"/);
		await writeFile(l.configPath, good);
		assert.deepEqual(await checkConfig(l.configPath, 'involution_engine', l.roles), {
			ok: true,
			output: `nginx: the configuration file ${l.configPath} syntax is ok\nnginx: configuration file ${l.configPath} test is successful\n`,
		});
	} finally {
		await l.close();
	}
});

test('502 with X-Upstream when the chosen upstream is dead', async () => {
	const l = await lab({stable: 0, canary: 100}, '', {upstreamHeader: true});
	try {
		await l.canary.close();
		const agent = new http.Agent({keepAlive: true});
		const reply = await get(agent, l.balancer.port);
		agent.destroy();
		assert.equal(reply.status, 502);
		assert.equal(reply.upstream, l.canary.address);
		assert.match(reply.body, /502 Bad Gateway/);
	} finally {
		await l.close().catch(() => undefined);
	}
});

test('max_fails and fail_timeout are read as nginx reads them, with its defaults 1 and 10 s', () => {
	const config = (servers: string) => `upstream u {\n${servers}\n}\n`;
	const peers = (servers: string) => {
		const check = checkConfigText(config(servers), 'x.conf', 'u');
		assert.ok(check.ok, check.output);
		return check.peers.map(p => [p.maxFails, p.failTimeoutMs]);
	};
	assert.deepEqual(peers('server a:1 weight=9;'), [[1, 10_000]]);
	assert.deepEqual(peers('server a:1 max_fails=3 fail_timeout=1500ms;\nserver b:2 fail_timeout=2;\nserver c:3 max_fails=0 fail_timeout=1m;'), [[3, 1500], [1, 2000], [0, 60_000]]);
	assert.equal(checkConfigText(config('server a:1 fail_timeout=soon;'), 'x.conf', 'u').ok, false);
});

test('passive health: a dead canary costs clients nothing, gets no traffic for fail_timeout, and is back after it', async () => {
	const l = await lab({stable: 50, canary: 50}, ' max_fails=1 fail_timeout=2s', {upstreamHeader: true});
	const agent = new http.Agent({keepAlive: true, maxSockets: 1});
	let canary = l.canary;
	try {
		const before = await tally(l.balancer.port, 20);
		assert.equal(before.get('200 canary'), 10, 'canary serves its half while up');
		const port = Number(l.canary.address.split(':')[1]);
		await l.canary.close();
		// GETs and POSTs alike: a refused connection was never sent, so nginx passes even a POST on.
		const replies: Reply[] = [];
		for (let i = 0; i < 20; i++) replies.push(i % 2 ? await get(agent, l.balancer.port, '/v1/positions', 'POST', '{}') : await get(agent, l.balancer.port));
		const failedAt = Date.now();
		assert.ok(replies.every(r => r.status === 200 && r.body.startsWith('stable ')), 'no client error, all answered by stable');
		// $upstream_addr lists every server tried: the one request that met the dead canary says so.
		assert.deepEqual(replies.map(r => r.upstream).filter(u => u !== l.stable.address), [`${l.canary.address}, ${l.stable.address}`]);

		// Back on its port at once, but still out of rotation until fail_timeout has passed.
		canary = await startUpstream('canary', port);
		const soon = await tally(l.balancer.port, 10);
		if (Date.now() - failedAt < 2000) assert.deepEqual(Object.fromEntries(soon), {'200 stable': 10});
		let backAt = 0;
		const deadline = Date.now() + 6000;
		while (backAt === 0 && Date.now() < deadline) {
			const reply = await get(agent, l.balancer.port);
			assert.equal(reply.status, 200);
			if (reply.upstream === l.canary.address) backAt = Date.now();
			else await new Promise(resolve => setTimeout(resolve, 50));
		}
		assert.ok(backAt > 0, 'the canary takes traffic again after fail_timeout');
		assert.ok(backAt - failedAt >= 1900, `back ${backAt - failedAt} ms after its failure, fail_timeout is 2 s`);
		const after = await tally(l.balancer.port, 20);
		assert.equal(after.get('200 canary'), 10, 'and its full share');
	} finally {
		agent.destroy();
		await canary.close().catch(() => undefined);
		await l.close().catch(() => undefined);
	}
});

test('passive health: with every server dead the answer is 502, and the next request tries them again', async () => {
	const l = await lab({stable: 50, canary: 50}, '', {upstreamHeader: true});
	const agent = new http.Agent({keepAlive: true, maxSockets: 1});
	let stable = l.stable;
	try {
		const port = Number(l.stable.address.split(':')[1]);
		await l.stable.close();
		await l.canary.close();
		const dead = await get(agent, l.balancer.port);
		assert.equal(dead.status, 502);
		stable = await startUpstream('stable', port);
		// Both servers failed within their 10 s fail_timeout, yet nginx forgets failures when none is left.
		const back = await get(agent, l.balancer.port);
		assert.equal(back.status, 200);
		assert.equal(back.upstream?.split(', ').at(-1), l.stable.address, 'answered by stable, whichever was tried first');
	} finally {
		agent.destroy();
		await stable.close().catch(() => undefined);
		await l.close().catch(() => undefined);
	}
});

test('lab proxy control: in-place write, lab nginx -t, reload through the given function', async () => {
	const l = await lab({stable: 90, canary: 10});
	try {
		const reloads: string[] = [];
		const proxy = createLabProxy({
			configPath: l.configPath,
			upstream: 'involution_engine',
			roles: l.roles,
			reload: async () => {
				reloads.push('hup');
				return l.balancer.reload();
			},
		});
		assert.equal(proxy.describe, 'lab balancer (no nginx on PATH)');
		const {ino} = await import('node:fs').then(fs => fs.statSync(l.configPath));
		const rendered = renderSplit(await proxy.readHost(), 'involution_engine', l.roles, {stable: 50, canary: 50});
		assert.ok(!('error' in rendered));
		await proxy.writeHost(rendered.text);
		assert.equal((await import('node:fs')).statSync(l.configPath).ino, ino, 'same inode: written in place');
		assert.equal(await proxy.readSeen(), rendered.text);
		assert.deepEqual(await proxy.validate().then(r => [r.ok, r.exitCode]), [true, 0]);
		const result = await proxy.reload();
		assert.ok(result.ok, result.output);
		assert.deepEqual(reloads, ['hup']);
		const counts = await tally(l.balancer.port, 20);
		assert.equal(counts.get('200 canary'), 10);
		await proxy.writeHost(rendered.text.replace('weight=50;', 'weight=0;'));
		const bad = await proxy.validate();
		assert.deepEqual([bad.ok, bad.exitCode], [false, 1]);
		assert.match(bad.output, /invalid parameter "weight=0"/);
	} finally {
		await l.close();
	}
});
