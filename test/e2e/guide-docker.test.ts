import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import React from 'react';
import {render} from 'ink-testing-library';
import {buildConfig} from '../../source/config.ts';
import {resolveState} from '../../source/adapters/files/state-dir.ts';
import {startDockerRuntime, type Runtime} from '../../source/runtime.ts';
import {App} from '../../source/ui/app.tsx';
import {pickPort} from '../../source/lab/lab-process.ts';
import {cli, ENGINE_IMAGE, NGINX_IMAGE, requireEngine, waitFor} from './docker-harness.ts';

// The rest of the guide on a real Docker Engine: the troubleshooting view shows `nginx -t` and
// the upstream as the nginx container reads it, and the emergency stop of the canary refuses
// until 100/0 is VERIFIED, then stops the container. Host networking and names of its own, so
// it runs beside the other e2e tests and on an engine started without a bridge.

requireEngine();
const NAMES = {stable: 'gd-engine-stable', canary: 'gd-engine-canary', nginx: 'gd-nginx-canary', redis: 'gd-redis-canary'};
let dir = '';
let runtime: Runtime | null = null;
let settings: Record<string, unknown> = {};
const ports = {balancer: 0, stable: 0, canary: 0};

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'canary-guide-e2e-'));
	for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await pickPort(0);
	await writeFile(
		join(dir, 'canary.conf'),
		[
			'upstream involution_engine {',
			`    server 127.0.0.1:${ports.stable} weight=90;   # vX (current)`,
			`    server 127.0.0.1:${ports.canary} weight=10;   # vX+1 (new)`,
			'    keepalive 64;',
			'}',
			'server {',
			`    listen 127.0.0.1:${ports.balancer};`,
			'    location / {',
			'        proxy_pass http://involution_engine;',
			'    }',
			'}',
			'',
		].join('\n'),
	);
	await cli(['rm', '-f', ...Object.values(NAMES)], {allowFail: true});
	const engine = (name: string, port: number, version: string) =>
		cli(['run', '-d', '--init', '--name', name, '--network', 'host', '--restart', 'unless-stopped', '--memory', '256m', ENGINE_IMAGE, '--host', '127.0.0.1', '--port', String(port), '--version', version]);
	await Promise.all([engine(NAMES.stable, ports.stable, '1.1.0'), engine(NAMES.canary, ports.canary, '1.2.0')]);
	// The directory mount of ops/docker-compose.canary.yml: the container reads every write.
	await cli(['run', '-d', '--name', NAMES.nginx, '--network', 'host', '-v', `${dir}:/etc/nginx/conf.d`, NGINX_IMAGE]);
	await waitFor('nginx and both engines answer', async () => (await fetch(`http://127.0.0.1:${ports.balancer}/healthz`, {signal: AbortSignal.timeout(2000)})).status === 200, 30_000);
	settings = {
		urls: {balancer: `http://127.0.0.1:${ports.balancer}`, stable: `http://127.0.0.1:${ports.stable}`, canary: `http://127.0.0.1:${ports.canary}`},
		roles: {stable: `127.0.0.1:${ports.stable}`, canary: `127.0.0.1:${ports.canary}`},
		docker: {names: {...NAMES, services: []}, nginxConfig: {host: join(dir, 'canary.conf')}},
		stateDir: join(dir, 'state'),
		sampleSize: 100,
	};
	runtime = await startDockerRuntime(resolveState(buildConfig([settings])));
});

after(async () => {
	await runtime?.monitor.stop().catch(() => {});
	await runtime?.shutdown().catch(() => {});
	await cli(['rm', '-f', ...Object.values(NAMES)], {allowFail: true});
	await rm(dir, {recursive: true, force: true});
});

test('the troubleshooting view shows nginx -t as the nginx container runs it and the upstream as it reads it', async () => {
	const {monitor, guide} = runtime!;
	monitor.start();
	const size = {columns: 120, rows: 40};
	const app = render(React.createElement(App, {monitor, guide, size: {get: () => size, subscribe: () => () => {}}, colour: false, onQuit: () => {}, saveLogs: async () => '/dev/null'}));
	const frame = () => strip(app.lastFrame());
	try {
		await waitFor('the first frame', () => /90\/10 \(stage 1\/3\)/.test(frame()), 15_000);
		app.stdin.write('6');
		const view = await waitFor('the sections read', () => (/─ 1 canary won't start \(read \d\d:\d\d:\d\d/.test(frame()) ? frame() : false), 15_000);
		assert.match(view, /nginx -t in gd-nginx-canary: ok \(exit 0\)\n {2}nginx: the configuration file \/etc\/nginx\/nginx\.conf syntax is ok\n {2}nginx: configuration file \/etc\/nginx\/nginx\.conf test is successful/);
		assert.match(view, new RegExp(`the upstream as gd-nginx-canary sees it:\\n {2}upstream involution_engine \\{\\n {6}server 127\\.0\\.0\\.1:${ports.stable} weight=90;`));
		assert.match(view, /gd-engine-canary running {2}last exit 0 {2}OOM killed no {2}restarts 0 {2}started \d{4}-/);
		assert.match(view, /image canary-console\/lab-engine:e2e {2}sha256:[0-9a-f]{12} {2}created \d{4}-/);
		assert.match(view, /redis:\nno gd-redis-canary container: Redis not watched/);
	} finally {
		app.unmount();
	}
});

test('canary-console emergency stop-canary --yes refuses before 100/0 is VERIFIED and stops the container after', async () => {
	await runtime?.monitor.stop().catch(() => {});
	const config = join(dir, 'console.json');
	await writeFile(config, JSON.stringify(settings));
	const run = (args: string[]) =>
		new Promise<{code: number | null; stdout: string}>((resolve) => {
			execFile(process.execPath, ['bin/canary-console.js', ...args, '--config', config], {env: {...process.env, CI: 'true'}, timeout: 90_000}, (error, stdout) => resolve({code: error ? ((error as {code?: number}).code ?? null) : 0, stdout}));
		});
	const refused = await run(['emergency', 'stop-canary', '--yes']);
	assert.equal(refused.code, 3, refused.stdout);
	assert.match(refused.stdout, /failed {2}read {7}the upstream says 90\/10, not 100\/0: send all traffic to stable first/);
	assert.match(refused.stdout, /REFUSED: gd-engine-canary not stopped: the upstream says 90\/10, not 100\/0/);
	assert.equal(await cli(['inspect', '-f', '{{.State.Status}}', NAMES.canary]), 'running');

	const toStable = await run(['emergency', 'to-stable', '--yes']);
	assert.equal(toStable.code, 0, toStable.stdout);
	assert.match(toStable.stdout, /DONE: .*verified/i);
	const stopped = await run(['emergency', 'stop-canary', '--yes', '--json']);
	assert.equal(stopped.code, 0, stopped.stdout);
	const result = JSON.parse(stopped.stdout) as {outcome: string; steps: {name: string; state: string; message: string}[]};
	assert.equal(result.outcome, 'done');
	assert.match(result.steps.find((s) => s.name === 'verify')?.message ?? '', /^VERIFIED: all \d+ answers from stable \(by version\)/);
	assert.equal(await cli(['inspect', '-f', '{{.State.Status}}', NAMES.canary]), 'exited');
	// The restart policy does not bring back a container stopped on purpose; stable serves alone.
	assert.equal((await fetch(`http://127.0.0.1:${ports.balancer}/healthz`)).status, 200);
	assert.equal(await cli(['inspect', '-f', '{{.State.Status}}', NAMES.canary]), 'exited');
	const audit = (await readFile(join(dir, 'state', 'audit.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as {action: string; outcome: string});
	assert.deepEqual(audit.map((e) => `${e.action} ${e.outcome}`), ['stop-canary refused', 'rollback started', 'rollback verified', 'stop-canary verified']);
});
