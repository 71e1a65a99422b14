import {execFile} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {freePorts} from './engine-stats.ts';
import {until} from './poll.ts';

// The bench's Docker deployment: the guide's three containers on a real Docker Engine (the e2e
// engine, ops/e2e/engine.sh), named bench-* so they never meet the e2e suite's, on host
// networking (free loopback ports), the lab engine image logging at a set rate. The console is
// started on it as users start it: `canary-console --config FILE` with DOCKER_HOST.

const run = promisify(execFile);
const DOCKER = '/usr/bin/docker'; // the apt CLI: a newer one on PATH has no working build against this engine
export const ENGINE_IMAGE = 'canary-console/lab-engine:e2e';
export const NGINX_IMAGE = 'canary-console/nginx:e2e';
const CONTAINER_CONF = '/etc/nginx/conf.d/default.conf';

export interface DockerDeployment {
	dockerHost: string;
	names: {stable: string; canary: string; nginx: string};
	ports: {balancer: number; stable: number; canary: number};
	/** The console's --config file. */
	consoleConfig: string;
	remove(): Promise<void>;
}

async function docker(dockerHost: string, args: string[], allowFail = false): Promise<string> {
	try {
		const {stdout} = await run(DOCKER, args, {env: {...process.env, DOCKER_HOST: dockerHost}, maxBuffer: 8 << 20});
		return stdout.trim();
	} catch (error) {
		if (allowFail) return '';
		const e = error as {stderr?: string; message: string};
		throw new Error(`docker ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
	}
}

/**
 * The engine to run on: DOCKER_HOST when set, else the e2e engine started by ops/e2e/engine.sh
 * with the bench's own dirs and host networking (CANARY_E2E_RUN / CANARY_E2E_CACHE override them).
 */
export async function benchDockerHost(root: string): Promise<{host: string; started: boolean}> {
	if (process.env.BENCH_DOCKER_HOST) return {host: process.env.BENCH_DOCKER_HOST, started: false};
	const env = {
		...process.env,
		CANARY_E2E_RUN: process.env.CANARY_E2E_RUN ?? '/run/canary-console-bench',
		CANARY_E2E_CACHE: process.env.CANARY_E2E_CACHE ?? '/var/cache/canary-console-bench',
		CANARY_E2E_NETWORK: 'host',
	};
	const {stdout} = await run(join(root, 'ops', 'e2e', 'engine.sh'), ['start'], {env, maxBuffer: 8 << 20});
	return {host: stdout.trim().split('\n').at(-1)!, started: true};
}

export async function stopBenchDocker(root: string): Promise<void> {
	const env = {...process.env, CANARY_E2E_RUN: process.env.CANARY_E2E_RUN ?? '/run/canary-console-bench'};
	await run(join(root, 'ops', 'e2e', 'engine.sh'), ['stop'], {env}).catch(() => {});
}

export async function startDockerDeployment(dockerHost: string, dir: string): Promise<DockerDeployment> {
	const [balancer, stable, canary] = (await freePorts(3)) as [number, number, number];
	const names = {stable: 'bench-engine-stable', canary: 'bench-engine-canary', nginx: 'bench-nginx-canary'};
	const remove = async () => {
		await docker(dockerHost, ['rm', '-f', names.stable, names.canary, names.nginx], true);
	};
	await remove();
	const confDir = join(dir, 'nginx');
	mkdirSync(confDir, {recursive: true});
	const configFile = join(confDir, 'default.conf');
	writeFileSync(
		configFile,
		[
			'upstream involution_engine {',
			`    server 127.0.0.1:${stable} weight=90;`,
			`    server 127.0.0.1:${canary} weight=10;`,
			'    keepalive 64;',
			'}',
			'server {',
			`    listen 127.0.0.1:${balancer};`,
			'    access_log off;',
			'    add_header X-Upstream $upstream_addr always;',
			'    location / {',
			'        proxy_pass http://involution_engine;',
			'        proxy_http_version 1.1;',
			'        proxy_set_header Connection "";',
			'    }',
			'}',
			'',
		].join('\n'),
	);
	try {
		for (const [role, port, version] of [['stable', stable, '1.1.0'], ['canary', canary, '1.2.0']] as const) {
			await docker(dockerHost, ['run', '-d', '--init', '--name', names[role], '--network', 'host', '--memory', '256m', ENGINE_IMAGE, '--host', '127.0.0.1', '--port', String(port), '--version', version, '--log-rate', '0']);
		}
		// The directory is mounted, not the file: an in-place write reaches the container either way.
		await docker(dockerHost, ['run', '-d', '--name', names.nginx, '--network', 'host', '-v', `${confDir}:/etc/nginx/conf.d`, NGINX_IMAGE]);
		const up = await until(async () => {
			for (const port of [stable, canary, balancer]) {
				const ok = await fetch(`http://127.0.0.1:${port}/healthz`, {signal: AbortSignal.timeout(1000)}).then((r) => (r.arrayBuffer(), r.ok), () => false);
				if (!ok) return null;
			}
			return true;
		}, 30_000, 100);
		if (!up) throw new Error(`the bench containers did not answer /healthz within 30 s: ${await docker(dockerHost, ['ps', '-a'], true)}`);
	} catch (error) {
		await remove();
		throw error;
	}
	const consoleConfig = join(dir, 'console.json');
	writeFileSync(
		consoleConfig,
		JSON.stringify({
			urls: {balancer: `http://127.0.0.1:${balancer}`, stable: `http://127.0.0.1:${stable}`, canary: `http://127.0.0.1:${canary}`},
			upstream: 'involution_engine',
			roles: {stable: `127.0.0.1:${stable}`, canary: `127.0.0.1:${canary}`},
			docker: {names: {...names, services: []}, nginxConfig: {host: configFile, container: CONTAINER_CONF}},
			auditPath: join(dir, 'audit.jsonl'),
		}),
	);
	return {dockerHost, names, ports: {balancer, stable, canary}, consoleConfig, remove};
}
