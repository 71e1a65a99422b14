// The console itself on a real Docker Engine: the real CLI as a child process, against
// engine-stable, engine-canary and nginx-canary as the guide deploys them: the guide's nginx
// config (no X-Upstream header) mounted read-only as the single file
// /etc/nginx/conf.d/default.conf. Every split is attributed by the version each engine reports.
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {promisify} from 'node:util';
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {lockPathFor} from '../../source/adapters/files/lock.ts';
import {requireTmux, Tmux} from '../helpers/tmux.ts';
import {cli, DOCKER_CLI, ensureNetwork, get, hostPort, NAMES, NETWORK, NGINX_IMAGE, requireEngine, runConsole, startEngine, untilAnswering, waitFor, describeRun, auditLinesOf, type Run} from './docker-harness.ts';
import {freePort} from '../helpers/ports.ts';

requireEngine();
const runFile = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = 'nginx-canary';
const CONTAINER_PATH = '/etc/nginx/conf.d/default.conf';
let [dir, conf, auditPath, configFile] = ['', '', '', ''];

/** `node --import tsx source/cli.tsx <args> --config FILE --json`, with this process's DOCKER_HOST. */
const console_ = (args: string[], timeoutMs = 40_000): Promise<Run> => runConsole(configFile, args, timeoutMs);

/** What nginx-canary sees (trimmed, as cli() trims). */
const seenInContainer = () => cli(['exec', NGINX, 'cat', CONTAINER_PATH]);
const weightsOf = (text: string) => [...text.matchAll(/^\s*server engine-(stable|canary):8080([^;]*);/gm)].map((m) => `${m[1]}${m[2]!.trim() ? ` ${m[2]!.trim()}` : ''}`);
const auditLines = () => auditLinesOf(auditPath);
/** The outcome lines (not the 'started' markers) written since `from`. */
async function outcomesSince(from: number) {
	return (await auditLines()).slice(from).filter((line) => line.outcome !== 'started');
}
const describe = describeRun;

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'canary-console-e2e-'));
	conf = join(dir, 'canary.conf');
	auditPath = join(dir, 'audit', 'audit.jsonl');
	configFile = join(dir, 'console.json');
	await copyFile(join(ROOT, 'ops/e2e/guide-canary.conf'), conf);
	await ensureNetwork();
	await Promise.all([startEngine(NAMES.stable, '1.1.0'), startEngine(NAMES.canary, '1.2.0')]);
	const [stablePort, canaryPort] = await Promise.all([hostPort(NAMES.stable, 8080), hostPort(NAMES.canary, 8080)]);
	await untilAnswering([stablePort, canaryPort]);
	await cli(['rm', '-f', NGINX], {allowFail: true});
	// A restart gives an ephemeral published port a new number: publish a chosen one instead.
	await cli(['run', '-d', '--name', NGINX, '--network', NETWORK, '-p', `127.0.0.1:${await freePort()}:80`, '-v', `${conf}:${CONTAINER_PATH}:ro`, NGINX_IMAGE]);
	const nginxPort = await hostPort(NGINX, 80);
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
	const run = await console_(['status', '--now']);
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
	// The guide's config names no upstream: the versions (1.1.0, 1.2.0) attribute every answer.
	assert.ok(split.observed, describe(run));
	assert.equal(split.observed.method, 'version');
	assert.deepEqual(split.observed.versions, {stable: '1.1.0', canary: '1.2.0'});
	assert.equal(split.observed.unknown, 0, JSON.stringify(split.observed));
	assert.equal(split.observed.unattributed, 0, JSON.stringify(split.observed));
	assert.equal(split.observed.attributed, split.observed.n, JSON.stringify(split.observed));
	// The services strip lists what the deployment has: no default-listed container it never had.
	const names = run.json.services.map((s: {name: string}) => s.name);
	assert.deepEqual(names, [NAMES.stable, NAMES.canary, NGINX], JSON.stringify(run.json.services));
	assert.ok(run.json.services.every((s: {found: boolean; problem?: string}) => s.found && !s.problem), JSON.stringify(run.json.services));
	assert.equal(split.observed.errors, 0, JSON.stringify(split.observed));
	assert.ok(split.observed.stable > 0 && split.observed.canary > 0, JSON.stringify(split.observed));
});

test('from any directory, no flags, no DOCKER_HOST: the current Docker context and nginx-canary\'s mounts find everything', async () => {
	// A docker CLI config whose current context points at this suite's engine, made by the CLI itself.
	const home = await mkdtemp(join(tmpdir(), 'canary-console-context-'));
	const dockerConfig = join(home, '.docker');
	const elsewhere = join(home, 'elsewhere');
	await mkdir(elsewhere);
	const {DOCKER_HOST: host, ...rest} = process.env;
	const cliEnv = {...rest, DOCKER_CONFIG: dockerConfig};
	try {
		await runFile(DOCKER_CLI, ['context', 'create', 'canary-e2e', '--docker', `host=${host}`], {env: cliEnv});
		await runFile(DOCKER_CLI, ['context', 'use', 'canary-e2e'], {env: cliEnv});
		const urls = JSON.parse(await readFile(configFile, 'utf8')).urls as Record<string, string>;
		const run = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
			const child = spawn(process.execPath, [join(ROOT, 'bin/canary-console.js'), 'status', '--json', '--now'], {
				cwd: elsewhere,
				env: {...cliEnv, NO_COLOR: '1', CANARY_CONSOLE_BALANCER_URL: urls.balancer, CANARY_CONSOLE_STABLE_URL: urls.stable, CANARY_CONSOLE_CANARY_URL: urls.canary},
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
			child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
			child.on('error', reject);
			child.on('close', (code) => resolve({code, stdout, stderr}));
		});
		assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
		const json = JSON.parse(run.stdout) as Record<string, any>;
		assert.match(json.runtime.describe, /^Docker \S+ at unix:\/\/\S+ \(context canary-e2e\)$/, run.stdout);
		assert.equal(json.split.configured, '90/10', `the nginx file found through the mounts: ${JSON.stringify(json.split)}`);
		assert.ok(json.notices.some((n: {text: string}) => n.text.includes(`using ${conf}, the file nginx-canary mounts at ${CONTAINER_PATH}`)), JSON.stringify(json.notices));
		assert.deepEqual(json.services.map((s: {name: string}) => s.name), [NAMES.stable, NAMES.canary, NGINX]);
		for (const role of ['stable', 'canary'] as const) assert.equal(json.engines[role].logs.state, 'attached', JSON.stringify(json.engines[role].logs));
		if (json.split.observed?.method !== 'version') {
			// What nginx said while it answered with neither engine's version.
			const logs = await runFile(DOCKER_CLI, ['logs', '--tail', '30', NGINX]).catch((error: Error) => ({stdout: '', stderr: error.message}));
			const engines = await cli(['inspect', '--format', '{{.Name}} restarts={{.RestartCount}} started={{.State.StartedAt}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}}', NAMES.stable, NAMES.canary], {allowFail: true});
			assert.fail(`split not attributed by version: ${JSON.stringify(json.split)}\n${engines}\nnginx-canary's last lines:\n${logs.stdout}${logs.stderr}`);
		}
	} finally {
		await rm(home, {recursive: true, force: true});
	}
});

test('promote --yes on the guide config: verified by version, and the container sees the new weights', async () => {
	const before = (await auditLines()).length;
	const run = await console_(['promote', '--yes']);
	assert.equal(run.code, 0, describe(run));
	assert.equal(run.json.outcome, 'verified');
	assert.deepEqual([run.json.from, run.json.to], ['90/10', '50/50']);
	assert.equal(run.json.sample.method, 'version');
	assert.equal(run.json.sample.unattributed, 0);
	assert.ok(run.json.sample.stable > 0 && run.json.sample.canary > 0);
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=50', 'canary weight=50']);
	const outcomes = await outcomesSince(before);
	assert.deepEqual(outcomes.map((l) => [l.action, l.from, l.to, l.outcome]), [['promote', '90/10', '50/50', 'verified']]);
	assert.equal(outcomes[0]!.verification.method, 'version');
});

test('rollback while nginx cannot take the new config (master stopped): NOT VERIFIED, exit 2, the canary still answers', async () => {
	const before = (await auditLines()).length;
	// The master process holds the reload signal while stopped; its workers keep serving 50/50.
	const pid = await cli(['inspect', '-f', '{{.State.Pid}}', NGINX]);
	process.kill(Number(pid), 'SIGSTOP');
	let run: Run;
	try {
		run = await console_(['rollback', '--yes']);
	} finally {
		process.kill(Number(pid), 'SIGCONT');
	}
	assert.equal(run.code, 2, describe(run));
	assert.equal(run.json.outcome, 'not-verified');
	assert.equal(run.json.to, '100/0');
	assert.ok(run.json.sample.canary > 0, JSON.stringify(run.json.sample));
	assert.match(run.json.message, /NOT VERIFIED 100\/0: \d+ of \d+ answers still from canary/);
	const outcomes = await outcomesSince(before);
	assert.deepEqual(outcomes.map((l) => [l.action, l.from, l.to, l.outcome]), [['rollback', '50/50', '100/0', 'not-verified']]);
	// Resumed, nginx applies the pending reload: the next sample is all stable.
	const nginxPort = await hostPort(NGINX, 80);
	await waitFor('nginx serving 100/0 after SIGCONT', async () => {
		for (let i = 0; i < 20; i++) if (JSON.parse((await get(nginxPort, '/healthz', 'e2e-console')).body).version !== '1.1.0') return false;
		return true;
	}, 15_000);
});

test('weights 50/50 --yes: verified by version', async () => {
	const before = (await auditLines()).length;
	const run = await console_(['weights', '50/50', '--yes']);
	assert.equal(run.code, 0, describe(run));
	assert.equal(run.json.outcome, 'verified');
	assert.deepEqual([run.json.from, run.json.to], ['100/0', '50/50']);
	assert.ok(run.json.sample.ms < 10_000);
	assert.ok(run.json.sample.stable > 0 && run.json.sample.canary > 0);
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=50', 'canary weight=50']);
	assert.equal(await seenInContainer(), (await readFile(conf, 'utf8')).trim());
	const outcomes = await outcomesSince(before);
	assert.deepEqual(outcomes.map((l) => [l.action, l.from, l.to, l.outcome]), [['set', '100/0', '50/50', 'verified']]);
});

test('rollback --yes: verified, 100 % stable observed, the canary written down', async () => {
	const run = await console_(['rollback', '--yes']);
	assert.equal(run.code, 0, describe(run));
	assert.equal(run.json.outcome, 'verified');
	assert.equal(run.json.to, '100/0');
	assert.equal(run.json.sample.canary, 0, JSON.stringify(run.json.sample));
	assert.equal(run.json.sample.observed.stable, 100);
	assert.equal(run.json.sample.unattributed, 0, '100/0 needs every answer attributed');
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=100', 'canary down']);
});

test('after sed -i detached the single-file mount: refused with a restart offer; restart-proxy recovers it', async () => {
	const before = (await auditLines()).length;
	await new Promise<void>((resolve, reject) => {
		spawn('sed', ['-i', 's/# vX (current)/# vX (current, edited with sed -i)/', conf], {stdio: 'ignore'}).on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sed exit ${code}`))));
	});
	assert.notEqual(await seenInContainer(), (await readFile(conf, 'utf8')).trim(), 'the mount is detached');
	// Found by the services poll, before anyone asks for a change.
	const status = await console_(['status', '--now']);
	const nginx = status.json.services.find((s: {name: string}) => s.name === NGINX);
	assert.match(nginx?.problem ?? '', /nginx-canary reads a different \/etc\/nginx\/conf\.d\/default\.conf than .*canary\.conf: the single-file mount is detached/, describe(status));
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
	const restartLine = (await outcomesSince(before)).find((l) => l.action === 'restart-proxy')!;
	assert.deepEqual([restartLine.from, restartLine.to], ['100/0', '100/0'], 'the split nginx ran before and after');
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
		'promote verified', 'rollback not-verified', 'set verified', 'rollback verified', 'set refused', 'restart-proxy restored', 'set verified', 'set refused',
	]);
	for (const line of outcomes) {
		for (const field of ['time', 'user', 'host', 'from', 'to', 'outcome', 'verification']) assert.ok(field in line, `${field} in ${JSON.stringify(line)}`);
		assert.ok(!Number.isNaN(Date.parse(line.time)));
		assert.equal(line.host, hostname());
		assert.ok(line.user.length > 0);
		if (line.outcome === 'verified') assert.ok(line.verification.n > 0 && line.verification.method === 'version', JSON.stringify(line));
	}
});

test('nginx-canary stopped: status shows the balancer unhealthy, a weight change fails and says why; started again, the next change verifies', async () => {
	const before = (await auditLines()).length;
	const text = await readFile(conf, 'utf8');
	assert.deepEqual(weightsOf(text), ['stable weight=50', 'canary weight=50'], 'the earlier tests left 50/50');
	await cli(['stop', NGINX]);
	try {
		const status = await console_(['status', '--now']);
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

test('the keys on the guide config: p then y promotes, b then y rolls back; both VERIFIED on screen', async () => {
	requireTmux();
	const tmux = new Tmux(`e2e-keys-${process.pid}`);
	try {
		// CI=true makes Ink print only the final frame: the screen needs it unset.
		tmux.start([process.execPath, '--import', 'tsx', 'source/cli.tsx', '--config', configFile], {env: {CI: undefined, NO_COLOR: '1'}, cwd: ROOT});
		await tmux.waitFor((screen) => /canary-console 90\/10/.test(screen) && /sampled\s+\d+(\.\d)?\/\d+(\.\d)?\s+N=\d+/.test(screen), 30_000);
		tmux.keys('p');
		await tmux.waitFor((screen) => screen.includes('confirm: promote 90/10 -> 50/50'));
		tmux.keys('y');
		const promoted = await tmux.waitFor((screen) => /(^|[^-])VERIFIED: promote 90\/10 -> 50\/50/.test(screen) || /NOT-VERIFIED|FAILED|REFUSED/.test(screen), 30_000);
		assert.match(promoted, /(^|[^-])VERIFIED: promote 90\/10 -> 50\/50/, promoted);
		assert.match(promoted, /VERIFIED 50\/50: observed .* by version/, promoted);
		tmux.keys('Escape');
		tmux.keys('b');
		await tmux.waitFor((screen) => screen.includes('confirm: rollback 50/50 -> 100/0'));
		tmux.keys('y');
		const rolledBack = await tmux.waitFor((screen) => /(^|[^-])VERIFIED: rollback 50\/50 -> 100\/0/.test(screen) || /NOT-VERIFIED|FAILED|REFUSED/.test(screen), 30_000);
		assert.match(rolledBack, /(^|[^-])VERIFIED: rollback 50\/50 -> 100\/0/, rolledBack);
		assert.match(rolledBack, /all \d+ answers from stable \(by version\)/, rolledBack);
		tmux.keys('Escape');
		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
		assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=100', 'canary down']);
	} finally {
		tmux.kill();
	}
});
