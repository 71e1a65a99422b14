// Run with `npm run test:nginx`; fails when nginx is missing.
// The weight flow against a real nginx: real `nginx -t`, a real asynchronous reload and the
// real sampler counting X-Upstream through the balancer.

import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {createServer, type Server} from 'node:http';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {applySplit, type ApplyDeps} from '../../source/core/change/apply-weights.ts';
import {createAuditLog} from '../../source/adapters/files/audit-file.ts';
import {changeFiles} from '../../source/adapters/files/deployment-state.ts';
import {writeInPlace} from '../../source/adapters/files/in-place-write.ts';
import {sampleSplit, verifySplit} from '../../source/adapters/split-sampler.ts';
import type {CommandResult, ProxyControl} from '../../source/core/types.ts';
import {findNginx} from '../../source/adapters/nginx-local.ts';
import {waitUntil} from '../helpers/wait.ts';
import {freePort} from '../helpers/ports.ts';

const NGINX = process.env.NGINX_BIN ?? findNginx() ?? '';

function run(file: string, args: string[]): Promise<CommandResult> {
	return new Promise((resolve) => {
		execFile(file, args, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
			resolve({ok: !error, exitCode: code, output: `${stdout}${stderr}`});
		});
	});
}

async function listen(server: Server): Promise<number> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return (server.address() as AddressInfo).port;
}

function engine(version: string): Server {
	return createServer((_req, res) => {
		res.setHeader('Content-Type', 'application/json');
		res.end(JSON.stringify({status: 'healthy', version}));
	});
}

test('real nginx: promote and roll back are verified, a rejected config is restored without reload', async (t) => {
	assert.ok(NGINX, 'this suite needs a real nginx: apt-get install -y --no-install-recommends nginx-light');
	const dir = await mkdtemp(join(tmpdir(), 'apply-nginx-'));
	const stable = engine('1.1.0');
	const canary = engine('1.2.0');
	const roles = {stable: `127.0.0.1:${await listen(stable)}`, canary: `127.0.0.1:${await listen(canary)}`};
	const port = await freePort();
	const configPath = join(dir, 'canary.conf');
	const mainPath = join(dir, 'nginx.conf');
	const canaryConf = `# the canary split
upstream involution_engine {
    server ${roles.stable} weight=90;
    server ${roles.canary} weight=10;
    keepalive 16;
}

server {
    listen 127.0.0.1:${port};
    location / {
        proxy_pass http://involution_engine;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        add_header X-Upstream $upstream_addr always;
    }
}
`;
	await mkdir(join(dir, 'tmp'));
	await writeFile(configPath, canaryConf);
	await writeFile(mainPath, `daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    include ${configPath};
}
`);
	const nginxArgs = ['-p', dir, '-c', mainPath];
	const master = spawn(NGINX, nginxArgs, {stdio: 'ignore'});
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitUntil('nginx to answer', async () => (await fetch(`${url}/healthz`)).ok, 5000);
		let reloads = 0;
		const proxy: ProxyControl = {
			describe: 'nginx (test)', configPath,
			readHost: () => readFile(configPath, 'utf8'),
			writeHost: (text) => writeInPlace(configPath, text),
			readSeen: () => readFile(configPath, 'utf8'),
			validate: () => run(NGINX, ['-t', ...nginxArgs]),
			reload: () => (reloads++, run(NGINX, ['-s', 'reload', ...nginxArgs])),
		};
		const audit = createAuditLog(join(dir, 'audit.jsonl'));
		const deps: ApplyDeps = {
			proxy, audit, upstream: 'involution_engine', roles, now: Date.now, files: changeFiles(join(dir, 'state')),
			sampler: async (split) => {
				const started = Date.now();
				const result = await verifySplit({url, roles, split, timeoutMs: 10_000});
				t.diagnostic(`verify ${split.stable}/${split.canary}: ${result.attempts} samples, ${Date.now() - started} ms, last ${result.sample.ms.toFixed(0)} ms`);
				return result;
			},
		};

		const promoted = await applySplit(deps, {action: 'promote', to: {stable: 50, canary: 50}});
		t.diagnostic(`90/10 -> 50/50: ${promoted.message}`);
		assert.equal(promoted.outcome, 'verified', promoted.message);

		const rolledBack = await applySplit(deps, {action: 'rollback', to: {stable: 100, canary: 0}});
		assert.equal(rolledBack.outcome, 'verified', rolledBack.message);
		assert.match(await readFile(configPath, 'utf8'), new RegExp(`server ${roles.canary} down;`));
		assert.equal(rolledBack.sample?.canary, 0);

		// Corrupt another line: nginx -t must reject the file, and nothing may be reloaded.
		const corrupt = (await readFile(configPath, 'utf8')).replace('proxy_http_version 1.1;', 'proxy_htp_version 1.1;');
		await writeFile(configPath, corrupt);
		const before = reloads;
		const rejected = await applySplit(deps, {action: 'set', to: {stable: 50, canary: 50}});
		assert.equal(rejected.status, 'validate-failed');
		assert.equal(reloads, before, 'no reload after a failed nginx -t');
		assert.equal(await readFile(configPath, 'utf8'), corrupt, 'previous bytes back');
		assert.match(rejected.message, /unknown directive "proxy_htp_version"/);
		// The running nginx still serves the last good config: all stable.
		const still = await sampleSplit({url, roles, n: 50});
		assert.deepEqual([still.stable, still.canary], [50, 0]);

		const lines = (await readFile(audit.path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
		assert.deepEqual(lines.filter((l) => l.outcome !== 'started').map((l) => `${l.action} ${l.from}->${l.to} ${l.outcome}`), [
			'promote 90/10->50/50 verified', 'rollback 50/50->100/0 verified', 'set 100/0->50/50 failed',
		]);
	} finally {
		master.kill('SIGTERM');
		await new Promise((resolve) => (master.exitCode !== null ? resolve(null) : master.once('exit', resolve)));
		stable.closeAllConnections();
		canary.closeAllConnections();
		stable.close();
		canary.close();
		await rm(dir, {recursive: true, force: true});
	}
});
