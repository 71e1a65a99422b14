import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {copyFile, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {after, before, test} from 'node:test';
import {createDockerProxy} from '../../source/adapters/docker/proxy.ts';
import {dockerExec} from '../../source/adapters/docker/exec.ts';
import {inspectServices} from '../../source/adapters/docker/inspect.ts';
import {cli, ensureNetwork, get, hostPort, NAMES, NGINX_IMAGE, requireEngine, startEngine, untilAnswering, waitFor} from './docker-harness.ts';

const {docker} = requireEngine();
const NGINX = 'nginx-canary';
const CONTAINER_PATH = '/etc/nginx/conf.d/default.conf';
let dir = '';
let conf = '';

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'canary-e2e-'));
	conf = join(dir, 'canary.conf');
	await copyFile(new URL('../../ops/nginx/canary.conf', import.meta.url), conf);
	await ensureNetwork();
	await Promise.all([startEngine(NAMES.stable, '1.1.0'), startEngine(NAMES.canary, '1.2.0')]);
	await untilAnswering(await Promise.all([hostPort(NAMES.stable, 8080), hostPort(NAMES.canary, 8080)]));
	await cli(['rm', '-f', NGINX], {allowFail: true});
	// The engine's own compose layout: the single file mounted as default.conf.
	await cli(['run', '-d', '--name', NGINX, '--network', 'canary-e2e', '-p', '127.0.0.1::80', '-v', `${conf}:${CONTAINER_PATH}`, NGINX_IMAGE]);
});

after(async () => {
	await cli(['rm', '-f', NGINX, `${NGINX}-dir`, NAMES.stable, NAMES.canary], {allowFail: true});
	await rm(dir, {recursive: true, force: true});
});

const proxy = () => createDockerProxy(docker, {container: NGINX, hostConfigPath: conf, containerConfigPath: CONTAINER_PATH});

test('the balancer answers through the guide config with X-Upstream', async () => {
	const port = await hostPort(NGINX, 80);
	const seen = new Set<string>();
	await waitFor('both engines behind nginx', async () => {
		const r = await get(port, '/healthz', 'e2e-split');
		if (r.status === 200) seen.add(JSON.parse(r.body).version);
		assert.match(r.headers.get('x-upstream') ?? '', /:8080$/);
		return seen.size === 2;
	}, 20_000);
});

test('exec: nginx -t returns its exit code and message; a broken config gives non-zero and the message', async () => {
	const p = proxy();
	const ok = await p.validate();
	assert.equal(ok.exitCode, 0);
	assert.equal(ok.ok, true);
	assert.match(ok.output, /syntax is ok[\s\S]*test is successful/);
	const good = await p.readHost();
	await p.writeHost(good.replace('weight=10;', 'weight=0;'));
	const bad = await p.validate();
	assert.equal(bad.ok, false);
	assert.equal(bad.exitCode, 1);
	assert.match(bad.output, /invalid parameter "weight=0"/);
	await p.writeHost(good);
	assert.equal((await p.validate()).exitCode, 0);
	const missing = await dockerExec(docker, NGINX, ['cat', '/no/such/file']);
	assert.equal(missing.exitCode, 1);
	assert.match(missing.output, /No such file/);
	const slow = await dockerExec(docker, NGINX, ['sleep', '5'], {timeoutMs: 300});
	assert.equal(slow.ok, false);
	assert.match(slow.output, /timed out after 300 ms/);
});

test('single-file bind mount: in-place writes reach the container; after sed -i it differs until a restart', async () => {
	const p = proxy();
	const original = await p.readHost();
	const fifty = original.replace('weight=90;', 'weight=50;').replace('weight=10;', 'weight=50;');
	await p.writeHost(fifty);
	assert.equal(await p.readSeen(), fifty);
	assert.equal((await p.reload()).exitCode, 0);
	const [nginx] = await inspectServices(docker, [NGINX]);
	assert.ok(nginx!.mounts.some((m) => m.type === 'bind' && m.destination === CONTAINER_PATH));
	// A rename-style edit detaches the mount: the container keeps the old file.
	await promisify(execFile)('sed', ['-i', 's/weight=50;   # vX+1/weight=60;   # vX+1/', conf]);
	assert.notEqual(await p.readSeen(), await p.readHost());
	await p.writeHost(original);
	assert.notEqual(await p.readSeen(), await p.readHost(), 'even in-place writes no longer reach it');
	const restarted = await p.restart!();
	assert.equal(restarted.ok, true, restarted.output);
	assert.equal(await p.readSeen(), await p.readHost());
	assert.equal(p.describe, 'nginx-canary (Docker)');
});

test('readSeen finds the file from the mounts: a directory mount (our compose layout) reads conf.d/canary.conf', async () => {
	const dirMounted = `${NGINX}-dir`;
	await cli(['rm', '-f', dirMounted], {allowFail: true});
	await cli(['run', '-d', '--name', dirMounted, '--network', 'canary-e2e', '-v', `${dir}:/etc/nginx/conf.d:ro`, NGINX_IMAGE]);
	// The configured path is the guide's; the mounts say where the file really is.
	const p = createDockerProxy(docker, {container: dirMounted, hostConfigPath: conf, containerConfigPath: CONTAINER_PATH});
	assert.equal(await p.seenPath(), '/etc/nginx/conf.d/canary.conf');
	assert.equal(await p.readSeen(), await p.readHost());
	// The single-file container keeps its own mapping.
	assert.equal(await proxy().seenPath(), CONTAINER_PATH);
	await cli(['rm', '-f', dirMounted]);
});
