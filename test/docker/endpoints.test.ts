import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {DockerEndpointPool, describeHostDown, endpointKey, resolveDockerEndpoint} from '../../source/adapters/docker/endpoints.ts';

/** A docker CLI config dir with contexts as `docker context create` leaves them; `tls` adds the endpoint's certificates. */
async function cliConfig(contexts: Record<string, {host: string; tls?: boolean}>): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
	for (const [name, {host, tls}] of Object.entries(contexts)) {
		const id = createHash('sha256').update(name).digest('hex');
		const meta = join(dir, 'contexts', 'meta', id);
		await mkdir(meta, {recursive: true});
		await writeFile(join(meta, 'meta.json'), JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: host, SkipTLSVerify: false}}}));
		if (tls) {
			const certs = join(dir, 'contexts', 'tls', id, 'docker');
			await mkdir(certs, {recursive: true});
			for (const file of ['ca', 'cert', 'key']) await writeFile(join(certs, `${file}.pem`), `${name}-${file}`);
		}
	}
	return dir;
}

test('a replica names its Docker endpoint by URL: unix, tcp, tcp with TLS, ssh', async () => {
	const env = {DOCKER_CONFIG: '/nonexistent'};
	const unix = resolveDockerEndpoint('unix:///run/b/docker.sock', env);
	assert.equal(unix.socketPath, '/run/b/docker.sock');
	assert.equal(unix.describe, 'unix:///run/b/docker.sock');
	assert.deepEqual(resolveDockerEndpoint('tcp://10.0.0.7:2375', env).options, {host: '10.0.0.7', port: '2375', protocol: 'http'});
	const ssh = resolveDockerEndpoint('ssh://deploy@host-b:2222', env);
	assert.equal(ssh.describe, 'ssh://deploy@host-b:2222');
	assert.equal((ssh.options as {port?: number}).port, 2222);
	const certs = await mkdtemp(join(tmpdir(), 'docker-certs-'));
	try {
		for (const file of ['ca', 'cert', 'key']) await writeFile(join(certs, `${file}.pem`), `${file}-bytes`);
		const tls = resolveDockerEndpoint('tcp://host-c:2376', {...env, DOCKER_CERT_PATH: certs});
		assert.equal(tls.options.protocol, 'https');
		assert.equal(String(tls.options.ca), 'ca-bytes');
		assert.equal(tls.describe, 'tcp://host-c:2376 (TLS)');
	} finally {
		await rm(certs, {recursive: true, force: true});
	}
	// No setting: the console's own DOCKER_HOST.
	assert.equal(resolveDockerEndpoint(undefined, {DOCKER_HOST: 'unix:///run/a/docker.sock'}).socketPath, '/run/a/docker.sock');
	assert.equal(resolveDockerEndpoint('default', {DOCKER_HOST: 'unix:///run/a/docker.sock', DOCKER_CONTEXT: 'elsewhere'}).socketPath, '/run/a/docker.sock');
	assert.throws(() => resolveDockerEndpoint('npipe:////./pipe/x', env), /unsupported scheme npipe:/);
});

test('a replica names a Docker context: its host from meta.json, its own TLS files, never the console DOCKER_CERT_PATH', async () => {
	const dir = await cliConfig({'prod-b': {host: 'tcp://10.0.0.8:2376', tls: true}, local: {host: 'unix:///run/b/docker.sock'}});
	try {
		const env = {DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///run/a/docker.sock', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/elsewhere'};
		const b = resolveDockerEndpoint('prod-b', env);
		assert.equal(b.options.host, '10.0.0.8');
		assert.equal(b.options.protocol, 'https');
		assert.equal(String(b.options.ca), 'prod-b-ca');
		assert.equal(String(b.options.key), 'prod-b-key');
		assert.equal(b.describe, 'tcp://10.0.0.8:2376 (TLS) (context prod-b)');
		const local = resolveDockerEndpoint('local', env);
		assert.equal(local.socketPath, '/run/b/docker.sock');
		assert.equal(local.describe, 'unix:///run/b/docker.sock (context local)');
		assert.throws(() => resolveDockerEndpoint('typo', env), /Docker context typo \(from the replica config\) cannot be read at .*meta\.json.*docker context ls/);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('the pool opens one client per daemon: a context and a URL naming one socket share it', async () => {
	const dir = await cliConfig({b: {host: 'unix:///run/b/docker.sock'}});
	try {
		const made: string[] = [];
		const pool = new DockerEndpointPool({
			env: {DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///run/a/docker.sock'},
			connect: (endpoint) => {
				made.push(endpointKey(endpoint));
				return {} as Docker;
			},
		});
		const a = pool.get(undefined);
		assert.equal(pool.get(''), a);
		assert.equal(pool.get('unix:///run/a/docker.sock'), a);
		const b = pool.get('b');
		assert.notEqual(b, a);
		assert.equal(pool.get('unix:///run/b/docker.sock'), b);
		assert.deepEqual(made, ['unix:///run/a/docker.sock', 'unix:///run/b/docker.sock']);
		assert.deepEqual(pool.all().map((p) => p.describe), ['unix:///run/a/docker.sock', 'unix:///run/b/docker.sock (context b)']);
		assert.throws(() => pool.get('missing'), /Docker context missing/);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

/** A stand-in daemon that answers /_ping on a unix socket, and can be stopped and started again. */
async function fakeDaemon(socketPath: string): Promise<{stop(): Promise<void>; start(): Promise<void>}> {
	let server: Server | null = null;
	const start = () =>
		new Promise<void>((resolve) => {
			server = createServer((req, res) => res.end(req.url?.endsWith('/_ping') ? 'OK' : '{}'));
			server.listen(socketPath, resolve);
		});
	const stop = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
	await start();
	return {start, stop};
}

test('a host that stops answering is marked unreachable with since and why; it comes back by itself, the others untouched', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'docker-hosts-'));
	const a = await fakeDaemon(join(dir, 'a.sock'));
	const b = await fakeDaemon(join(dir, 'b.sock'));
	let now = Date.parse('2026-01-01T12:01:03');
	const pool = new DockerEndpointPool({env: {DOCKER_CONFIG: '/nonexistent'}, now: () => now});
	try {
		pool.get(`unix://${join(dir, 'a.sock')}`);
		pool.get(`unix://${join(dir, 'b.sock')}`);
		assert.deepEqual((await pool.probe()).map((h) => h.reachable), [true, true]);
		await b.stop();
		const down = await pool.probe();
		assert.equal(down[0]!.reachable, true);
		assert.equal(down[1]!.reachable, false);
		assert.equal(down[1]!.since, now);
		assert.match(describeHostDown(down[1]!), /^Docker host unix:\/\/.*b\.sock unreachable since \d\d:\d\d:\d\d: Docker (socket|daemon at) .*b\.sock/);
		// Still down later: the first time it failed stays the "since".
		const firstDown = now;
		now += 5000;
		assert.equal((await pool.probe())[1]!.since, firstDown);
		await b.start();
		const back = await pool.probe();
		assert.deepEqual(back.map((h) => [h.reachable, h.since, h.message]), [[true, null, null], [true, null, null]]);
	} finally {
		await a.stop();
		await b.stop();
		await rm(dir, {recursive: true, force: true});
	}
});
