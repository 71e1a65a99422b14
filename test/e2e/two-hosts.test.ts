// Replicas on two Docker Engines: two private daemons (ops/e2e/run.sh starts engine B beside the
// suite's engine A). Engine A runs 2 stable + 1 canary and nginx, engine B 1 stable + 1 canary;
// everything on the host network with ports of its own, so nginx on A reaches every replica.
// The console reaches B as a remote host is reached: a Docker context over TCP with TLS verified
// both ways (the test's own docker CLI uses B's socket). Engine B is stopped mid-run and started again.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {setMaxListeners} from 'node:events';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {after, before, test} from 'node:test';
import {DockerEndpointPool} from '../../source/adapters/docker/endpoints.ts';
import {replicaServices} from '../../source/adapters/docker/replica-hosts.ts';
import {createReplicaLogSource, type DockerReplica, type ReplicaLine} from '../../source/adapters/docker/replica-logs.ts';
import {freePorts} from '../helpers/ports.ts';
import {DOCKER_CLI, describeRun, ENGINE_IMAGE, get, NGINX_IMAGE, recordingSink, requireEngine, runConsole, untilAnswering, waitFor} from './docker-harness.ts';

const runFile = promisify(execFile);
const {engineScript} = requireEngine();
const HOST_A = process.env.DOCKER_HOST!;
const HOST_B = process.env.CANARY_E2E_DOCKER_HOST_B ?? '';
/** Engine B over TCP with TLS, and the directory of its CA and client certificate. */
const TLS_B = process.env.CANARY_E2E_TLS_B ?? '';
const TLS_DIR_B = process.env.CANARY_E2E_TLS_DIR_B ?? '';
/** The Docker context the console names engine B by. */
const CONTEXT_B = 'canary-e2e-b';
const escapeRe = (text: string) => text.replace(/[/.()]/g, '\\$&');
const LABEL = 'canary-console.e2e=two-hosts';
const NGINX = 'mh-nginx';
const CONTAINER_PATH = '/etc/nginx/conf.d/default.conf';

/** Where the console says a replica runs: A's socket, or B's TCP address. */
const consoleHost = (p: Placed) => (p.host === HOST_B ? TLS_B : p.host);

interface Placed {
	id: string;
	role: 'stable' | 'canary';
	container: string;
	host: string;
	port: number;
}

let dir = '';
let conf = '';
let configFile = '';
let nginxPort = 0;
let placed: Placed[] = [];
const follow = new AbortController();
// Five followers listen on this one signal, as on the console's own (the Monitor lifts the limit too).
setMaxListeners(0, follow.signal);
const {sink, seen} = recordingSink();

/** The docker CLI against one of the two engines. */
async function dockerAt(host: string, args: string[], allowFail = false): Promise<string> {
	try {
		const {stdout} = await runFile(DOCKER_CLI, args, {env: {...process.env, DOCKER_HOST: host}, maxBuffer: 16 * 1024 * 1024});
		return stdout.trim();
	} catch (error) {
		if (allowFail) return '';
		throw new Error(`docker ${args.join(' ')} at ${host}: ${(error as {stderr?: string}).stderr ?? (error as Error).message}`);
	}
}

/** Engine B's own engine.sh command (its run dir, cache and host networking). */
function engineB(command: 'stop' | 'daemon'): Promise<unknown> {
	const env = {...process.env, CANARY_E2E_RUN: process.env.CANARY_E2E_RUN_B, CANARY_E2E_CACHE: process.env.CANARY_E2E_CACHE_B, CANARY_E2E_NETWORK: 'host', CANARY_E2E_TLS_PORT: process.env.CANARY_E2E_TLS_PORT_B};
	return runFile(engineScript, [command], {env});
}

function upstreamConf(weights: Record<string, number>): string {
	const servers = placed.map((p) => `    server 127.0.0.1:${p.port} weight=${weights[p.id]};   # ${p.id} ${p.container}`);
	return `upstream involution_engine {\n${servers.join('\n')}\n    keepalive 16;\n}\n\nserver {\n    listen 127.0.0.1:${nginxPort};\n    location / {\n        proxy_pass http://involution_engine;\n    }\n}\n`;
}

/** The user agents (our request ids) in the engines' request lines, per replica, in arrival order. */
function agents(lines: readonly ReplicaLine[], prefix: string): Array<{replica: string; ua: string; time: number}> {
	const out: Array<{replica: string; ua: string; time: number}> = [];
	for (const line of lines) {
		if (!line.text.startsWith('{')) continue;
		try {
			const ua = (JSON.parse(line.text) as {user_agent?: string}).user_agent;
			if (ua?.startsWith(prefix)) out.push({replica: line.replica, ua, time: line.time});
		} catch {
			// not JSON
		}
	}
	return out;
}

before(async () => {
	if (!HOST_B || !TLS_B || !TLS_DIR_B) throw new Error('The two-hosts test needs engine B prepared by ops/e2e/run.sh (CANARY_E2E_DOCKER_HOST_B, CANARY_E2E_TLS_B): run `npm run test:e2e`.');
	dir = await mkdtemp(join(tmpdir(), 'canary-console-e2e-hosts-'));
	// A docker CLI config of this file's own, with a context for B over TLS made by the CLI itself;
	// the consoles this file starts read it (DOCKER_CONFIG) as they would a user's.
	process.env.DOCKER_CONFIG = join(dir, 'docker-config');
	await runFile(DOCKER_CLI, ['context', 'create', CONTEXT_B, '--docker', `host=${TLS_B},ca=${TLS_DIR_B}/ca.pem,cert=${TLS_DIR_B}/cert.pem,key=${TLS_DIR_B}/key.pem`], {env: process.env});
	// The CLI reaches B through the context (TLS verified both ways) before the console is asked to.
	const {DOCKER_HOST: _own, ...withoutHost} = process.env;
	await runFile(DOCKER_CLI, ['--context', CONTEXT_B, 'version', '--format', '{{.Server.Version}}'], {env: withoutHost});
	conf = join(dir, 'canary.conf');
	configFile = join(dir, 'console.json');
	const ports = await freePorts(6);
	nginxPort = ports[5]!;
	placed = [
		{id: 'S1', role: 'stable', container: 'mh-stable-1', host: HOST_A, port: ports[0]!},
		{id: 'S2', role: 'stable', container: 'mh-stable-2', host: HOST_A, port: ports[1]!},
		{id: 'S3', role: 'stable', container: 'mh-stable-3', host: HOST_B, port: ports[2]!},
		{id: 'C1', role: 'canary', container: 'mh-canary-1', host: HOST_A, port: ports[3]!},
		{id: 'C2', role: 'canary', container: 'mh-canary-2', host: HOST_B, port: ports[4]!},
	];
	await writeFile(conf, upstreamConf({S1: 30, S2: 30, S3: 30, C1: 5, C2: 5}));
	await Promise.all(
		placed.map(async (p) => {
			await dockerAt(p.host, ['rm', '-f', p.container], true);
			await dockerAt(p.host, [
				'run', '-d', '--init', '--name', p.container, '--label', LABEL, '--network', 'host', '--restart', 'unless-stopped', '--memory', '256m',
				ENGINE_IMAGE, '--host', '127.0.0.1', '--port', String(p.port), '--version', p.role === 'stable' ? '1.1.0' : '1.2.0',
			]);
		}),
	);
	await untilAnswering(placed.map((p) => p.port), 30_000);
	await dockerAt(HOST_A, ['rm', '-f', NGINX], true);
	await dockerAt(HOST_A, ['run', '-d', '--name', NGINX, '--label', LABEL, '--network', 'host', '-v', `${conf}:${CONTAINER_PATH}:ro`, NGINX_IMAGE]);
	const versions = new Set<string>();
	await waitFor('both versions answering through nginx', async () => {
		const r = await get(nginxPort, '/healthz', 'e2e-hosts').catch(() => null);
		if (r?.status === 200) versions.add((JSON.parse(r.body) as {version: string}).version);
		return versions.size === 2;
	}, 30_000);
	await writeFile(configFile, JSON.stringify({
		urls: {balancer: `http://127.0.0.1:${nginxPort}`, stable: `http://127.0.0.1:${placed[0]!.port}`, canary: `http://127.0.0.1:${placed[3]!.port}`},
		upstream: 'involution_engine',
		roles: {
			stable: placed.filter((p) => p.role === 'stable').map((p) => ({server: `127.0.0.1:${p.port}`, container: p.container, metrics: `http://127.0.0.1:${p.port}`, ...(p.host === HOST_B ? {docker: CONTEXT_B} : {})})),
			canary: placed.filter((p) => p.role === 'canary').map((p) => ({server: `127.0.0.1:${p.port}`, container: p.container, metrics: `http://127.0.0.1:${p.port}`, ...(p.host === HOST_B ? {docker: CONTEXT_B} : {})})),
		},
		docker: {names: {stable: 'mh-stable-1', canary: 'mh-canary-1', nginx: NGINX, services: [NGINX]}, nginxConfig: {host: conf, container: CONTAINER_PATH}},
		pollIntervalMs: 500,
		windowSec: 4,
		analysisIntervalSec: 2,
		verifyTimeoutMs: 10_000,
		stateDir: join(dir, 'state'),
	}, null, 2));
	// The console's own log follower over both hosts, for the whole file.
	const pool = new DockerEndpointPool();
	const replicas: DockerReplica[] = placed.map((p) => ({id: p.id, role: p.role, container: p.container, ...(p.host === HOST_B ? {endpoint: HOST_B} : {})}));
	// The default history (100 lines) on the first attach: lines written before it are read too.
	const source = createReplicaLogSource(pool, replicas);
	source.follow('stable', sink, follow.signal);
	source.follow('canary', sink, follow.signal);
});

after(async () => {
	follow.abort();
	await engineB('daemon').catch(() => {});
	await Promise.all([
		dockerAt(HOST_A, ['rm', '-f', NGINX, ...placed.filter((p) => p.host === HOST_A).map((p) => p.container)], true),
		dockerAt(HOST_B, ['rm', '-f', ...placed.filter((p) => p.host === HOST_B).map((p) => p.container)], true),
	]);
	if (dir) await rm(dir, {recursive: true, force: true});
});

test('logs of every replica on both hosts: merged in time order, each line labelled with its replica', async () => {
	// Every replica is asked directly, in turns, so each writes lines the others interleave with.
	const sent: string[] = [];
	for (let round = 1; round <= 6; round++) {
		for (const p of placed) {
			const ua = `merge-${p.id}-${round}`;
			await get(p.port, '/healthz', ua);
			sent.push(ua);
		}
	}
	await waitFor('every request line, from both hosts', () => agents(seen.lines as ReplicaLine[], 'merge-').length >= sent.length, 15_000).catch((error: Error) => {
		const got = agents(seen.lines as ReplicaLine[], 'merge-').map((l) => `${l.replica}:${l.ua}`);
		throw new Error(`${error.message}; got ${got.length} of ${sent.length}: ${got.join(' ')}; statuses ${JSON.stringify(seen.statuses.slice(-6))}; ${seen.lines.length} lines`);
	});
	const got = agents(seen.lines as ReplicaLine[], 'merge-');
	assert.equal(got.length, sent.length, JSON.stringify(got));
	// Labelled with the replica that served it.
	for (const line of got) assert.equal(line.replica, line.ua.split('-')[1], JSON.stringify(line));
	// Per role, in time order (the roles are separate streams), and each replica in its own order.
	for (const role of ['S', 'C']) {
		const mine = got.filter((l) => l.replica.startsWith(role));
		const times = mine.map((l) => l.time);
		assert.deepEqual(times, [...times].sort((a, b) => a - b), `${role}: ${JSON.stringify(mine)}`);
		for (const replica of new Set(mine.map((l) => l.replica))) {
			assert.deepEqual(mine.filter((l) => l.replica === replica).map((l) => l.ua), sent.filter((ua) => ua.split('-')[1] === replica), `${replica} keeps its order`);
		}
		// Interleaved, not one replica's lines after another's.
		const switches = mine.filter((l, i) => i > 0 && l.replica !== mine[i - 1]!.replica).length;
		assert.ok(switches >= 6, `${role}: ${mine.map((l) => l.ua).join(' ')}`);
	}
	assert.ok(seen.statuses.some((s) => s.state === 'attached'));
});

test('status --json over two hosts: every replica container on its host, running; runtime names both hosts', async () => {
	const run = await runConsole(configFile, ['status', '--now']);
	assert.equal(run.code, 0, describeRun(run));
	assert.match(run.json.runtime.describe, /^Docker on 2 hosts: /, describeRun(run));
	const services = run.json.services as Array<{name: string; state: string; host?: string}>;
	for (const p of placed) {
		const service = services.find((s) => s.name === p.container);
		assert.ok(service, `${p.container} in the strip: ${JSON.stringify(services)}`);
		assert.equal(service.state, 'running', JSON.stringify(service));
		assert.ok(service.host?.startsWith(consoleHost(p)), `${p.container} on ${consoleHost(p)}: ${JSON.stringify(service)}`);
		// B through its context, over TCP with TLS verified both ways.
		if (p.host === HOST_B) assert.equal(service.host, `${TLS_B} (TLS) (context ${CONTEXT_B})`, JSON.stringify(service));
	}
	assert.ok(services.some((s) => s.name === NGINX && s.state === 'running'), JSON.stringify(services));
	// Each replica's memory from Docker's stats on its own host (256 MiB limit each).
	for (const role of ['stable', 'canary'] as const) {
		const cards = run.json.engines[role].replicas as Array<{id: string; memPercent: number | null}>;
		assert.deepEqual(cards.map((c) => c.id), placed.filter((p) => p.role === role).map((p) => p.id), JSON.stringify(cards));
		for (const card of cards) assert.ok(card.memPercent !== null && card.memPercent > 0 && card.memPercent < 100, `${card.id} memory: ${JSON.stringify(card)}`);
	}
});

test('weights 50/50 --yes over replicas on two hosts: each role\'s share over its servers, nginx on A reloads, verified per role', async () => {
	const run = await runConsole(configFile, ['weights', '50/50', '--yes']);
	assert.equal(run.code, 0, describeRun(run));
	assert.equal(run.json.outcome, 'verified', describeRun(run));
	assert.deepEqual([run.json.from, run.json.to], ['90/10', '50/50']);
	// Attributed per role by the version each replica reports: both roles answered.
	assert.equal(run.json.sample.method, 'version');
	assert.ok(run.json.sample.stable > 0 && run.json.sample.canary > 0, JSON.stringify(run.json.sample));
	// 3 stable and 2 canary servers: 2+2+2 against 3+3 is exactly 50/50.
	const seen = await dockerAt(HOST_A, ['exec', NGINX, 'cat', CONTAINER_PATH]);
	const weights = Object.fromEntries([...seen.matchAll(/server 127\.0\.0\.1:(\d+) weight=(\d+);/g)].map((m) => [placed.find((p) => p.port === Number(m[1]))!.id, Number(m[2])]));
	assert.deepEqual(weights, {S1: 2, S2: 2, S3: 2, C1: 3, C2: 3}, seen);
});

test('engine B stopped mid-run: its replicas marked (host, since when), A goes on; B back by itself', async () => {
	const before = seen.lines.length;
	await engineB('stop');
	try {
		const run = await runConsole(configFile, ['status', '--now']);
		assert.equal(run.code, 0, describeRun(run));
		const services = run.json.services as Array<{name: string; state: string; host?: string; hostDown?: {since: number; message: string}}>;
		// The verdict says what it lacks: the canary replica on B by name, and it does not pass.
		const verdict = run.json.verdict as {overall: string; reason: string};
		assert.notEqual(verdict.overall, 'PASS', JSON.stringify(verdict));
		assert.match(JSON.stringify(verdict), /C2: connection refused/, JSON.stringify(verdict));
		for (const p of placed) {
			const service = services.find((s) => s.name === p.container)!;
			if (p.host === HOST_B) {
				assert.equal(service.state, 'unreachable', JSON.stringify(service));
				assert.match(service.hostDown!.message, new RegExp(`^Docker host ${escapeRe(TLS_B)} \\(TLS\\) \\(context ${CONTEXT_B}\\) unreachable since \\d\\d:\\d\\d:\\d\\d`), JSON.stringify(service));
			} else {
				assert.equal(service.state, 'running', `A goes on: ${JSON.stringify(service)}`);
			}
		}
		// nginx on A still answers, from A's replicas (nginx's passive health skips B's).
		await waitFor('answers through nginx with B down', async () => (await get(nginxPort, '/healthz', 'b-down').catch(() => null))?.status === 200, 15_000);
		// A's logs keep coming through the same follower.
		await get(placed[0]!.port, '/healthz', 'while-b-down');
		await waitFor('A\'s line while B is down', () => agents(seen.lines.slice(before) as ReplicaLine[], 'while-b-down').length === 1, 10_000);
		assert.ok(seen.statuses.some((s) => s.state === 'failed' && /S3|C2/.test(s.message ?? '')), `a failed status names B's replica: ${JSON.stringify(seen.statuses.slice(-5))}`);
	} finally {
		await engineB('daemon');
	}
	// The restart policy brings B's containers back with the daemon; the console finds them by itself.
	for (const p of placed.filter((x) => x.host === HOST_B)) {
		await waitFor(`${p.id} answering again`, async () => (await get(p.port, '/healthz', `back-${p.id}`).catch(() => null))?.status === 200, 30_000);
	}
	// Its follower retries at most every 5 s while B is away; a loaded machine restarts B's containers slowly.
	await waitFor('B\'s logs reattached', () => agents(seen.lines as ReplicaLine[], 'back-').length === 2, 45_000);
	const run = await runConsole(configFile, ['status', '--now']);
	const services = run.json.services as Array<{name: string; state: string}>;
	assert.ok(placed.every((p) => services.find((s) => s.name === p.container)?.state === 'running'), JSON.stringify(services));
	assert.ok(seen.gaps.some((g) => /^(S3|C2) /.test(g.reason)), `a gap marker for B's replicas: ${JSON.stringify(seen.gaps)}`);
});

test('engine B dropping packets and restarting behind the drop: marked unreachable after the services poll\'s timeout; its log follower over TLS reads on from its last line once packets flow again', async () => {
	const port = new URL(TLS_B).port;
	// Both ways: not even B's goodbye (FIN) gets through, as with a host that vanished from the network.
	const rules = [['INPUT', '-p', 'tcp', '--dport', port, '-j', 'DROP'], ['INPUT', '-p', 'tcp', '--sport', port, '-j', 'DROP']];
	// The console's own parts, as a running console has them: a pool reading the context store.
	const pool = new DockerEndpointPool();
	const s3 = placed.find((p) => p.id === 'S3')!;
	const replicas: DockerReplica[] = [{id: 'S3', role: 'stable', container: s3.container, endpoint: CONTEXT_B}];
	const {sink: sinkB, seen: seenB} = recordingSink();
	const stop = new AbortController();
	createReplicaLogSource(pool, replicas, {tail: 0}).follow('stable', sinkB, stop.signal);
	try {
		await waitFor('S3 followed over TLS', () => seenB.statuses.some((s) => s.state === 'attached'), 20_000);
		await get(s3.port, '/healthz', 'before-drop');
		await waitFor('a line over TLS', () => agents(seenB.lines as ReplicaLine[], 'before-drop').length === 1, 10_000);
		for (const rule of rules) await runFile('iptables', ['-I', ...rule]);
		const services = await replicaServices(pool, pool.get(undefined), replicas, NGINX, [], 3000);
		const marked = services.find((s) => s.name === s3.container)!;
		assert.equal(marked.state, 'unreachable', JSON.stringify(services));
		assert.match(marked.hostDown!.message, /ETIMEDOUT|no answer/, JSON.stringify(marked));
		// B restarts behind the drop: the connection the follower had is gone on B's side, and B's
		// goodbye never arrived. Its containers come back with it and write on.
		await engineB('stop');
		await engineB('daemon');
		await waitFor('S3 answering again', async () => (await get(s3.port, '/healthz', 'during-drop').catch(() => null))?.status === 200, 30_000);
		for (const rule of rules) await runFile('iptables', ['-D', ...rule]);
		await get(s3.port, '/healthz', 'after-drop');
		await waitFor('the line written after the drop, over a new connection', () => agents(seenB.lines as ReplicaLine[], 'after-drop').length === 1, 60_000);
		assert.equal(agents(seenB.lines as ReplicaLine[], 'before-drop').length, 1, 'read once: the follower resumed from its last line');
	} finally {
		for (const rule of rules) await runFile('iptables', ['-D', ...rule]).catch(() => {});
		stop.abort();
	}
});

test('emergency stop-canary over two hosts: after 100/0 VERIFIED, every canary replica stopped on its own host; stable serves alone', async () => {
	const toStable = await runConsole(configFile, ['emergency', 'to-stable', '--yes']);
	assert.equal(toStable.code, 0, describeRun(toStable));
	const stopped = await runConsole(configFile, ['emergency', 'stop-canary', '--yes']);
	assert.equal(stopped.code, 0, describeRun(stopped));
	assert.equal(stopped.json.outcome, 'done', describeRun(stopped));
	for (const p of placed) {
		const state = await dockerAt(p.host, ['inspect', '-f', '{{.State.Status}}', p.container]);
		assert.equal(state, p.role === 'canary' ? 'exited' : 'running', `${p.container} on ${p.host}`);
	}
	assert.equal((await get(nginxPort, '/healthz', 'after-stop')).status, 200);
});
