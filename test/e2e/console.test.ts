// The console itself on a real Docker Engine: the real CLI as a child process, against
// engine-stable, engine-canary and nginx-canary in the engine's own layout (the config mounted as
// a single file at /etc/nginx/conf.d/default.conf).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {lockPathFor} from '../../source/core/lock.ts';
import {cli, engineCommand, ensureNetwork, get, hostPort, NAMES, NETWORK, NGINX_IMAGE, requireEngine, startEngine, waitFor} from './docker-harness.ts';

const {engineScript} = requireEngine();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = 'nginx-canary';
const CONTAINER_PATH = '/etc/nginx/conf.d/default.conf';
let dir = '';
let conf = '';
let auditPath = '';
let configFile = '';

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
	ms: number;
	json: Record<string, any>;
}

/** `node --import tsx source/cli.tsx <args> --config FILE --json`, with this process's DOCKER_HOST. */
function console_(args: string[], timeoutMs = 40_000): Promise<Run> {
	const began = performance.now();
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'source/cli.tsx', ...args, '--config', configFile, '--json'], {
			cwd: ROOT,
			env: {...process.env, NO_COLOR: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`canary-console ${args.join(' ')} still running after ${timeoutMs} ms; stderr: ${stderr}`));
		}, timeoutMs);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			let json: Record<string, any> = {};
			try {
				json = JSON.parse(stdout) as Record<string, any>;
			} catch {
				return reject(new Error(`canary-console ${args.join(' ')} (exit ${code}) printed no JSON: ${stdout}\nstderr: ${stderr}`));
			}
			resolve({code, stdout, stderr, ms: performance.now() - began, json});
		});
	});
}

/** What nginx-canary sees (trimmed, as cli() trims). */
const seenInContainer = () => cli(['exec', NGINX, 'cat', CONTAINER_PATH]);
const weightsOf = (text: string) => [...text.matchAll(/^\s*server engine-(stable|canary):8080([^;]*);/gm)].map((m) => `${m[1]}${m[2]!.trim() ? ` ${m[2]!.trim()}` : ''}`);
async function auditLines(): Promise<Array<Record<string, any>>> {
	const text = await readFile(auditPath, 'utf8').catch(() => '');
	return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
}
/** The outcome lines (not the 'started' markers) written since `from`. */
async function outcomesSince(from: number) {
	return (await auditLines()).slice(from).filter((line) => line.outcome !== 'started');
}
const describe = (run: Run) => `exit ${run.code} in ${Math.round(run.ms)} ms: ${run.stdout.slice(0, 3000)}\nstderr: ${run.stderr.slice(0, 2000)}`;

/** A free loopback port, so nginx-canary keeps its host port across a restart like the real 8080. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const {port} = server.address() as {port: number};
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'canary-console-e2e-'));
	conf = join(dir, 'canary.conf');
	auditPath = join(dir, 'audit', 'audit.jsonl');
	configFile = join(dir, 'console.json');
	await copyFile(join(ROOT, 'ops/nginx/canary.conf'), conf);
	await ensureNetwork();
	await Promise.all([startEngine(NAMES.stable, '1.1.0'), startEngine(NAMES.canary, '1.2.0')]);
	await cli(['rm', '-f', NGINX], {allowFail: true});
	// A restart gives an ephemeral published port a new number: publish a chosen one instead.
	await cli(['run', '-d', '--name', NGINX, '--network', NETWORK, '-p', `127.0.0.1:${await freePort()}:80`, '-v', `${conf}:${CONTAINER_PATH}`, NGINX_IMAGE]);
	const [stablePort, canaryPort, nginxPort] = await Promise.all([hostPort(NAMES.stable, 8080), hostPort(NAMES.canary, 8080), hostPort(NGINX, 80)]);
	const versions = new Set<string>();
	await waitFor('both engines answering through nginx', async () => {
		const r = await get(nginxPort, '/healthz', 'e2e-console');
		if (r.status === 200) versions.add((JSON.parse(r.body) as {version: string}).version);
		return versions.size === 2;
	}, 20_000);
	await writeFile(configFile, JSON.stringify({
		urls: {balancer: `http://127.0.0.1:${nginxPort}`, stable: `http://127.0.0.1:${stablePort}`, canary: `http://127.0.0.1:${canaryPort}`},
		upstream: 'involution_engine',
		roles: {stable: 'engine-stable:8080', canary: 'engine-canary:8080'},
		docker: {
			names: {stable: NAMES.stable, canary: NAMES.canary, nginx: NGINX, services: [NGINX]},
			nginxConfig: {host: conf, container: CONTAINER_PATH},
		},
		pollIntervalMs: 500,
		windowSec: 4,
		analysisIntervalSec: 2,
		verifyTimeoutMs: 10_000,
		auditPath,
		stateDir: join(dir, 'state'),
	}, null, 2));
});

after(async () => {
	await cli(['rm', '-f', NGINX, NAMES.stable, NAMES.canary], {allowFail: true});
	if (dir) await rm(dir, {recursive: true, force: true});
});

test('status --json: health, version, figures, Docker memory, logs attached, split attributed to both engines', async () => {
	const run = await console_(['status']);
	assert.equal(run.code, 0, describe(run));
	const {engines, split, runtime} = run.json;
	assert.match(runtime.describe, /^Docker \S+ at unix:\/\//, describe(run));
	for (const [role, version] of [['stable', '1.1.0'], ['canary', '1.2.0']] as const) {
		const engine = engines[role];
		assert.equal(engine.health?.status, 'healthy', `${role}: ${JSON.stringify(engine)}`);
		assert.equal(engine.version, version);
		assert.ok(engine.window !== null, `${role} figures: ${JSON.stringify(engine)}`);
		assert.ok(engine.resources !== null, `${role} resources from docker stats: ${JSON.stringify(engine)}`);
		assert.equal(engine.resources.memLimit, 256 * 1024 * 1024);
		assert.ok(engine.resources.memUsed > 0);
		assert.ok(engine.resources.memPercent > 0 && engine.resources.memPercent < 100);
		assert.equal(engine.logs.state, 'attached', `${role} logs: ${JSON.stringify(engine.logs)}`);
	}
	assert.equal(split.configured, '90/10');
	// nginx reports the container IP in X-Upstream: every answer must still be attributed.
	assert.ok(split.observed, describe(run));
	assert.equal(split.observed.method, 'X-Upstream');
	assert.equal(split.observed.unknown, 0, JSON.stringify(split.observed));
	assert.equal(split.observed.errors, 0, JSON.stringify(split.observed));
	assert.ok(split.observed.stable > 0 && split.observed.canary > 0, JSON.stringify(split.observed));
});

test('weights 50/50 --yes: verified, and the container sees the new weights', async () => {
	const before = (await auditLines()).length;
	const run = await console_(['weights', '50/50', '--yes']);
	assert.equal(run.code, 0, describe(run));
	assert.equal(run.json.outcome, 'verified');
	assert.equal(run.json.from, '90/10');
	assert.equal(run.json.to, '50/50');
	assert.ok(run.json.sample.ms < 10_000);
	assert.ok(run.json.sample.stable > 0 && run.json.sample.canary > 0);
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=50', 'canary weight=50']);
	assert.equal(await seenInContainer(), (await readFile(conf, 'utf8')).trim());
	const outcomes = await outcomesSince(before);
	assert.deepEqual(outcomes.map((l) => [l.action, l.from, l.to, l.outcome]), [['set', '90/10', '50/50', 'verified']]);
});

test('rollback --yes: verified, 100 % stable observed, the canary written down', async () => {
	const run = await console_(['rollback', '--yes']);
	assert.equal(run.code, 0, describe(run));
	assert.equal(run.json.outcome, 'verified');
	assert.equal(run.json.to, '100/0');
	assert.equal(run.json.sample.canary, 0, JSON.stringify(run.json.sample));
	assert.equal(run.json.sample.observed.stable, 100);
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=100', 'canary down']);
});

test('after sed -i detached the single-file mount: refused with a restart offer; restart-proxy recovers it', async () => {
	const before = (await auditLines()).length;
	await new Promise<void>((resolve, reject) => {
		spawn('sed', ['-i', 's/# vX (current)/# vX (current, edited with sed -i)/', conf], {stdio: 'ignore'}).on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sed exit ${code}`))));
	});
	assert.notEqual(await seenInContainer(), (await readFile(conf, 'utf8')).trim(), 'the mount is detached');
	const stale = await console_(['weights', '50/50', '--yes']);
	assert.equal(stale.code, 3, describe(stale));
	assert.equal(stale.json.outcome, 'refused');
	assert.match(stale.json.message, /nginx-canary sees a different file than .*canary\.conf.*Restart nginx-canary/);
	assert.ok(stale.json.steps.some((s: {name: string; state: string}) => s.name === 'check-seen' && s.state === 'failed'), JSON.stringify(stale.json.steps));
	assert.deepEqual(weightsOf(await readFile(conf, 'utf8')), ['stable weight=100', 'canary down'], 'nothing written');
	const refused = await outcomesSince(before);
	assert.equal(refused.length, 1);
	assert.equal(refused[0]!.outcome, 'refused');
	assert.match(refused[0]!.reason, /sees a different file/);

	const restart = await console_(['restart-proxy', '--yes']);
	assert.equal(restart.code, 0, describe(restart));
	assert.equal(restart.json.outcome, 'restored');
	assert.equal(await seenInContainer(), (await readFile(conf, 'utf8')).trim());

	const again = await console_(['weights', '50/50', '--yes']);
	assert.equal(again.code, 0, describe(again));
	assert.equal(again.json.outcome, 'verified');
	const seen = await seenInContainer();
	assert.deepEqual(weightsOf(seen), ['stable weight=50', 'canary weight=50']);
	assert.match(seen, /edited with sed -i/, 'the outside edit is kept');
	const outcomes = await outcomesSince(before);
	assert.deepEqual(outcomes.map((l) => [l.action, l.outcome]), [['set', 'refused'], ['restart-proxy', 'restored'], ['set', 'verified']]);
});

test('a second console while another holds the lock: refused (exit 3), nothing written', async () => {
	// The lock lives in the deployment's state directory (the config sets it).
	await mkdir(join(dir, 'state'), {recursive: true});
	const lock = lockPathFor(join(dir, 'state'));
	const holder = {user: 'alice', host: hostname(), pid: process.pid, since: new Date().toISOString(), token: 'held-by-the-test'};
	await writeFile(lock, `${JSON.stringify(holder)}\n`, {flag: 'wx'});
	const before = await readFile(conf, 'utf8');
	try {
		const run = await console_(['weights', '90/10', '--yes']);
		assert.equal(run.code, 3, describe(run));
		assert.equal(run.json.outcome, 'refused');
		assert.match(run.json.message, new RegExp(`weights are being changed by alice@${hostname()} \\(pid ${process.pid}\\)`));
		assert.equal(await readFile(conf, 'utf8'), before);
		const last = (await auditLines()).at(-1)!;
		assert.equal(last.outcome, 'refused');
		assert.equal(last.from, '50/50');
	} finally {
		await rm(lock, {force: true});
	}
});

test('the audit log: one outcome line per action with time, user, host, from, to, outcome, verification', async () => {
	const outcomes = (await auditLines()).filter((l) => l.outcome !== 'started');
	assert.deepEqual(outcomes.map((l) => `${l.action} ${l.outcome}`), [
		'set verified', 'rollback verified', 'set refused', 'restart-proxy restored', 'set verified', 'set refused',
	]);
	for (const line of outcomes) {
		for (const field of ['time', 'user', 'host', 'from', 'to', 'outcome', 'verification']) assert.ok(field in line, `${field} in ${JSON.stringify(line)}`);
		assert.ok(!Number.isNaN(Date.parse(line.time)));
		assert.equal(line.host, hostname());
		assert.ok(line.user.length > 0);
		if (line.outcome === 'verified') assert.ok(line.verification.n > 0 && line.verification.method === 'X-Upstream', JSON.stringify(line));
	}
});

test('nginx-canary stopped: status shows the balancer unhealthy, a weight change fails and says why; started again, the next change verifies', async () => {
	const before = (await auditLines()).length;
	const text = await readFile(conf, 'utf8');
	assert.deepEqual(weightsOf(text), ['stable weight=50', 'canary weight=50'], 'the earlier tests left 50/50');
	await cli(['stop', NGINX]);
	try {
		const status = await console_(['status']);
		assert.equal(status.code, 0, describe(status));
		const health = status.json.balancer.health;
		assert.equal(health?.status, 'unhealthy', JSON.stringify(status.json.balancer));
		assert.match(health.error, /refused/i, JSON.stringify(status.json.balancer));
		assert.equal(status.json.split.configured, '50/50', 'the file is still read');

		// The change needs the container (it reads back what nginx sees): it fails before writing.
		const change = await console_(['weights', '90/10', '--yes']);
		assert.notEqual(change.code, 0, describe(change));
		assert.equal(change.json.outcome, 'failed', describe(change));
		assert.match(change.json.message, /nginx-canary/, describe(change));
		assert.match(change.json.message, /not running/i, describe(change));
		assert.equal(await readFile(conf, 'utf8'), text, 'nothing written');
		const failed = await outcomesSince(before);
		assert.deepEqual(failed.map((l) => [l.action, l.from, l.to, l.outcome]), [['set', '50/50', '90/10', 'failed']]);
		assert.match(failed[0]!.reason, /not running/i);
	} finally {
		await cli(['start', NGINX]);
	}
	const nginxPort = await hostPort(NGINX, 80);
	await waitFor('nginx-canary answering again', async () => (await get(nginxPort, '/healthz', 'e2e-console')).status === 200, 20_000);
	const again = await console_(['weights', '90/10', '--yes']);
	assert.equal(again.code, 0, describe(again));
	assert.equal(again.json.outcome, 'verified');
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=90', 'canary weight=10']);
	const outcomes = await outcomesSince(before);
	assert.deepEqual(outcomes.map((l) => [l.action, l.from, l.to, l.outcome]), [['set', '50/50', '90/10', 'failed'], ['set', '50/50', '90/10', 'verified']]);
});

test('the Docker daemon stopped: status --json still answers (exit 0) and says Docker is unreachable', async () => {
	await engineCommand(engineScript, 'stop');
	try {
		const run = await console_(['status']);
		assert.equal(run.code, 0, describe(run));
		const text = JSON.stringify({notices: run.json.notices, logs: [run.json.engines.stable.logs, run.json.engines.canary.logs]});
		assert.match(text, /Docker (unreachable since|socket \S+ not found|daemon at \S+ refused)/, text);
		assert.ok(run.json.notices.some((n: {level: string}) => n.level === 'error'), text);
		assert.ok(!/\bat .*\.ts:\d+/.test(run.stderr), `no stack trace: ${run.stderr}`);
	} finally {
		await engineCommand(engineScript, 'daemon');
	}
});
