// The judgement on a real Docker Engine, on the guide's deployment as it is (its nginx config,
// no X-Upstream, mounted read-only as a single file): a canary whose health flaps, one that
// crash-loops (its process exits, Docker's restart policy starts it again), one OOM-killed at its
// --memory limit again and again, and one nginx fails over from (it cuts requests off) each reach
// ROLL BACK, named by the failing check, and `gate --auto-rollback` rolls back to 100/0 and
// VERIFIES it; with nginx unable to reload, the automatic rollback of a canary that still
// answers, a weights change and a promote by the keys end NOT VERIFIED; the console on screen
// with --auto-rollback rolls back by itself and exits 0. One deployment for all, a load
// generator through nginx, short windows: a verdict every 2 s over a 6 s window, polls every 500 ms.
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {requireTmux, Tmux} from '../helpers/tmux.ts';
import {cli, ensureNetwork, get, NAMES, NETWORK, NGINX_IMAGE, requireEngine, ROOT, runConsole, setLabFaults, startEngine, untilAnswering, waitFor, describeRun, auditLinesOf, type Run} from './docker-harness.ts';
import {freePort} from '../helpers/ports.ts';

requireEngine();
const NGINX = 'nginx-canary';
const CONTAINER_PATH = '/etc/nginx/conf.d/default.conf';
const WINDOW_SEC = 6;
const INTERVAL_SEC = 2;
/** How long each gate watches: the budget of three windows and a spare one; it then waits for a rollback it started. */
const GATE_FOR = '14s';
const ports = {stable: 0, canary: 0, nginx: 0};
let dir = '';
let conf = '';
let configFile = '';
let auditPath = '';
let load: ChildProcess | null = null;

interface GateWindow {
	at: string;
	overall: string;
	reason: string;
	failed: string[];
	budgetUsed: number;
	split: string | null;
}

const weightsOf = (text: string) => [...text.matchAll(/^\s*server engine-(stable|canary):8080([^;]*);/gm)].map((m) => `${m[1]}${m[2]!.trim() ? ` ${m[2]!.trim()}` : ''}`);
const seenInContainer = () => cli(['exec', NGINX, 'cat', CONTAINER_PATH]);
const story = (windows: GateWindow[]) => windows.map((w, i) => `${i + 1}. ${w.overall} [${w.failed.join(',')}] budget ${w.budgetUsed}: ${w.reason}`).join('\n  ');

const auditLines = () => auditLinesOf(auditPath);

/** nginx resolves engine-canary when it loads its config: a recreated canary needs a reload, as after `docker compose up -d`. */
async function reloadNginx(): Promise<void> {
	await cli(['exec', NGINX, 'nginx', '-s', 'reload']);
}

/**
 * engine-canary again, on its port, with these faults in its command (none: a healthy canary).
 * nginx is reloaded once the new engine answers: a reload before would meet a refused connection,
 * and nginx (max_fails=1 fail_timeout=10s) would keep the canary out for ten seconds.
 */
async function deployCanary(faults?: Record<string, unknown>): Promise<void> {
	await startEngine(NAMES.canary, '1.2.0', {hostPort: ports.canary, faults});
	await waitFor('the new canary answering', async () => (await get(ports.canary, '/healthz', 'e2e-judgement')).status === 200, 20_000);
	await reloadNginx();
}

/** A healthy canary at 90/10, the change verified: where every scenario starts. */
async function healthyAt9010(): Promise<void> {
	await deployCanary();
	if (weightsOf(await readFile(conf, 'utf8')).join() === 'stable weight=90,canary weight=10') return;
	const run = await runConsole(configFile, ['weights', '90/10', '--yes']);
	assert.equal(run.code, 0, describeRun(run));
	assert.equal(run.json.outcome, 'verified', describeRun(run));
}

/** `gate --for GATE_FOR --auto-rollback --json`: the windows, the automatic rollback, the exit code. */
async function gate(): Promise<{run: Run; windows: GateWindow[]; rollback: Record<string, any> | undefined}> {
	const run = await runConsole(configFile, ['gate', '--for', GATE_FOR, '--auto-rollback'], 90_000);
	const windows = (run.json.windows ?? []) as GateWindow[];
	const rollback = (run.json.actions as Array<Record<string, any>> | undefined)?.find((a) => a.kind === 'rollback');
	return {run, windows, rollback};
}

/**
 * The scenario's canary is deployed (or its fault set) before the gate starts. The budget is
 * three failed windows in a row; the first window is recorded 2 s after the console starts, with
 * so little data that it may be INCONCLUSIVE, so ROLL BACK comes in window 3 or 4.
 */
async function rollsBack(name: string, check: string, faults: Record<string, unknown>, setFaultsAtRuntime = false): Promise<void> {
	await healthyAt9010();
	if (setFaultsAtRuntime) {
		await setLabFaults(ports.canary, faults);
	} else await deployCanary(faults);
	const auditFrom = (await auditLines()).length;
	const {run, windows, rollback} = await gate();
	assert.equal(run.code, 1, `${name}: the gate fails\n  ${story(windows)}\n${describeRun(run)}`);
	const first = windows.findIndex((w) => w.overall === 'ROLL BACK');
	assert.ok(first >= 0, `${name}: ROLL BACK reached:\n  ${story(windows)}`);
	// Within three analysis windows of the first in which the fault's check failed (and by the
	// fourth at most: the first, 2 s after the console started, may have too little data to
	// judge it, and other checks, the A/B probes', may already speak in it).
	const judged = windows.findIndex((w) => w.failed.includes(check));
	assert.ok(judged >= 0 && first - judged <= 2 && first + 1 <= 4, `${name}: ROLL BACK in window ${first + 1}, ${check} first failed in window ${judged + 1}:\n  ${story(windows)}`);
	assert.ok(windows[first]!.failed.includes(check), `${name}: the failing check is ${check}:\n  ${story(windows)}`);
	assert.ok(rollback, `${name}: --auto-rollback acted:\n  ${story(windows)}`);
	const rolledAt = Date.parse(windows[first]!.at);
	assert.ok(rollback.at - rolledAt < 1000, `${name}: the rollback started in the window that said ROLL BACK (${rollback.at - rolledAt} ms later)`);
	assert.equal(rollback.outcome, 'verified', `${name}: ${rollback.message}\n  ${story(windows)}`);
	assert.match(rollback.message, /VERIFIED 100\/0: all \d+ answers from stable \(by version\)/, rollback.message);
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=100', 'canary down'], 'nginx-canary runs 100/0');
	const audited = (await auditLines()).slice(auditFrom).filter((l) => l.outcome !== 'started');
	assert.deepEqual(audited.map((l) => [l.action, l.from, l.to, l.outcome]), [['auto-rollback', '90/10', '100/0', 'verified']]);
	assert.equal(audited[0]!.verification.method, 'version');
	const seconds = ((rolledAt - Date.parse(windows[0]!.at)) / 1000 + INTERVAL_SEC).toFixed(1);
	console.log(`# ${name}: ROLL BACK in window ${first + 1} (${seconds} s after the console started); rollback ${rollback.outcome}: ${rollback.message}\n  ${story(windows.slice(0, first + 1))}`);
}

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'canary-console-e2e-judgement-'));
	conf = join(dir, 'canary.conf');
	configFile = join(dir, 'console.json');
	auditPath = join(dir, 'audit.jsonl');
	await copyFile(join(ROOT, 'ops/e2e/guide-canary.conf'), conf);
	await ensureNetwork();
	[ports.stable, ports.canary, ports.nginx] = [await freePort(), await freePort(), await freePort()];
	await Promise.all([startEngine(NAMES.stable, '1.1.0', {hostPort: ports.stable}), startEngine(NAMES.canary, '1.2.0', {hostPort: ports.canary})]);
	await untilAnswering([ports.stable, ports.canary]);
	await cli(['rm', '-f', NGINX], {allowFail: true});
	await cli(['run', '-d', '--name', NGINX, '--network', NETWORK, '-p', `127.0.0.1:${ports.nginx}:80`, '-v', `${conf}:${CONTAINER_PATH}:ro`, NGINX_IMAGE]);
	const versions = new Set<string>();
	await waitFor('both engines answering through nginx', async () => {
		const r = await get(ports.nginx, '/healthz', 'e2e-judgement');
		if (r.status === 200) versions.add((JSON.parse(r.body) as {version: string}).version);
		return versions.size === 2;
	}, 20_000);
	await writeFile(configFile, JSON.stringify({
		urls: {balancer: `http://127.0.0.1:${ports.nginx}`, stable: `http://127.0.0.1:${ports.stable}`, canary: `http://127.0.0.1:${ports.canary}`},
		upstream: 'involution_engine',
		roles: {stable: 'engine-stable:8080', canary: 'engine-canary:8080'},
		docker: {
			names: {stable: NAMES.stable, canary: NAMES.canary, nginx: NGINX, services: [NGINX]},
			nginxConfig: {host: conf, container: CONTAINER_PATH},
		},
		pollIntervalMs: 500,
		windowSec: WINDOW_SEC,
		analysisIntervalSec: INTERVAL_SEC,
		verifyTimeoutMs: 10_000,
		auditPath,
		stateDir: join(dir, 'state'),
	}, null, 2));
	// The clients: a steady 80 requests/s through nginx-canary (8 a second for a 10 % canary).
	load = spawn(process.execPath, ['--import', 'tsx', 'source/lab/run.ts', 'load', '--url', `http://127.0.0.1:${ports.nginx}`, '--rps', '80'], {cwd: ROOT, stdio: ['pipe', 'ignore', 'inherit']});
});

after(async () => {
	load?.kill('SIGTERM');
	await cli(['rm', '-f', NGINX, NAMES.stable, NAMES.canary], {allowFail: true});
	if (dir) await rm(dir, {recursive: true, force: true});
});

test('flapping health (200 and 503 every second): ROLL BACK on health, rolled back to 100/0, VERIFIED', async () => {
	await rollsBack('flapping health', 'health', {healthFlapSec: 1}, true);
});

test('a crash loop (the process exits 0.5 s after each start, Docker restarts it): ROLL BACK on restarts, rolled back, VERIFIED', async () => {
	await rollsBack('crash loop', 'restarts', {crashLoop: {afterMs: 500, exitCode: 1}});
});

test('OOM kills (memory grows to the 256 MB --memory limit after each start): ROLL BACK on memory, rolled back, VERIFIED', async () => {
	await rollsBack('OOM kills', 'memory', {memoryGrowthMbPerMin: 6000});
});

test('nginx failing over (the canary cuts its requests off, healthy on its own port): ROLL BACK on traffic share, rolled back, VERIFIED', async () => {
	await rollsBack('failover', 'traffic', {abortRate: 1}, true);
});

test('an automatic rollback nginx cannot apply (master stopped), the canary still answering: NOT VERIFIED', async () => {
	await healthyAt9010();
	await setLabFaults(ports.canary, {errorRate: 0.5});
	const auditFrom = (await auditLines()).length;
	// The master holds the reload signal while stopped; its workers keep serving 90/10.
	const pid = Number(await cli(['inspect', '-f', '{{.State.Pid}}', NGINX]));
	process.kill(pid, 'SIGSTOP');
	let result: Awaited<ReturnType<typeof gate>>;
	try {
		result = await gate();
	} finally {
		process.kill(pid, 'SIGCONT');
	}
	const {run, windows, rollback} = result;
	assert.equal(run.code, 1, describeRun(run));
	const first = windows.findIndex((w) => w.overall === 'ROLL BACK');
	assert.ok(first >= 0, `ROLL BACK reached:\n  ${story(windows)}`);
	assert.ok(rollback, `--auto-rollback acted:\n  ${story(windows)}`);
	assert.equal(rollback.outcome, 'not-verified', rollback.message);
	assert.match(rollback.message, /NOT VERIFIED 100\/0: \d+ of \d+ answers still from canary/, rollback.message);
	const audited = (await auditLines()).slice(auditFrom).filter((l) => l.outcome !== 'started');
	assert.deepEqual(audited.map((l) => [l.action, l.from, l.to, l.outcome]), [['auto-rollback', '90/10', '100/0', 'not-verified']]);
	console.log(`# NOT VERIFIED automatic rollback in window ${first + 1}: ${rollback.message}\n  ${story(windows.slice(0, first + 1))}`);
	// Resumed, nginx applies the pending reload: every answer comes from stable.
	await waitFor('nginx serving 100/0 after SIGCONT', async () => {
		for (let i = 0; i < 20; i++) if ((JSON.parse((await get(ports.nginx, '/healthz', 'e2e-judgement')).body) as {version: string}).version !== '1.1.0') return false;
		return true;
	}, 15_000);
});

test('weights 50/50 while nginx cannot reload (master stopped): traffic did not move, NOT VERIFIED, exit 2', async () => {
	await healthyAt9010();
	const auditFrom = (await auditLines()).length;
	const pid = Number(await cli(['inspect', '-f', '{{.State.Pid}}', NGINX]));
	process.kill(pid, 'SIGSTOP');
	let run: Run;
	try {
		run = await runConsole(configFile, ['weights', '50/50', '--yes']);
	} finally {
		process.kill(pid, 'SIGCONT');
	}
	assert.equal(run.code, 2, describeRun(run));
	assert.equal(run.json.outcome, 'not-verified');
	assert.equal(run.json.sample.method, 'version');
	assert.match(run.json.message, /NOT VERIFIED 50\/50: observed \S+, canary \S+ % \(99 %\) excludes 50 %/, run.json.message);
	const audited = (await auditLines()).slice(auditFrom).filter((l) => l.outcome !== 'started');
	assert.deepEqual(audited.map((l) => [l.action, l.from, l.to, l.outcome]), [['set', '90/10', '50/50', 'not-verified']]);
});

test('the console with --auto-rollback on screen: a flapping canary is rolled back by itself, VERIFIED, and the console exits 0', async () => {
	requireTmux();
	await healthyAt9010();
	await setLabFaults(ports.canary, {healthFlapSec: 1});
	const auditFrom = (await auditLines()).length;
	const tmux = new Tmux(`e2e-auto-${process.pid}`);
	try {
		// CI=true makes Ink print only the final frame: the screen needs it unset.
		tmux.start([process.execPath, '--import', 'tsx', 'source/cli.tsx', '--config', configFile, '--auto-rollback'], {env: {CI: undefined, NO_COLOR: '1'}, cwd: ROOT});
		const done = await tmux.waitFor((screen) => /(^|[^-])VERIFIED: (auto-)?rollback 90\/10 -> 100\/0/.test(screen) || /NOT-VERIFIED|FAILED|REFUSED/.test(screen), 60_000);
		assert.match(done, /(^|[^-])VERIFIED: (auto-)?rollback 90\/10 -> 100\/0/, done);
		assert.match(done, /all \d+ answers from stable \(by version\)/, done);
		tmux.keys('Escape');
		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
	} finally {
		tmux.kill();
	}
	const audited = (await auditLines()).slice(auditFrom).filter((l) => l.outcome !== 'started');
	assert.deepEqual(audited.map((l) => [l.action, l.from, l.to, l.outcome]), [['auto-rollback', '90/10', '100/0', 'verified']]);
	assert.match(audited[0]!.reason, /health/);
	assert.deepEqual(weightsOf(await seenInContainer()), ['stable weight=100', 'canary down']);
});

test('the keys while nginx cannot reload (master stopped): p then y promotes, NOT VERIFIED on screen with the split it observed, exit 0', async () => {
	requireTmux();
	await healthyAt9010();
	const auditFrom = (await auditLines()).length;
	const pid = Number(await cli(['inspect', '-f', '{{.State.Pid}}', NGINX]));
	const tmux = new Tmux(`e2e-keys-stuck-${process.pid}`);
	process.kill(pid, 'SIGSTOP');
	try {
		tmux.start([process.execPath, '--import', 'tsx', 'source/cli.tsx', '--config', configFile], {env: {CI: undefined, NO_COLOR: '1'}, cwd: ROOT});
		await tmux.waitFor((screen) => /canary-console 90\/10/.test(screen) && /sampled\s+\d+(\.\d)?\/\d+(\.\d)?\s+N=\d+/.test(screen), 30_000);
		tmux.keys('p');
		await tmux.waitFor((screen) => screen.includes('confirm: promote 90/10 -> 50/50'));
		tmux.keys('y');
		const stuck = await tmux.waitFor((screen) => /(^|[^-])VERIFIED: promote|NOT-VERIFIED: promote|FAILED|REFUSED/.test(screen), 40_000);
		assert.match(stuck, /NOT-VERIFIED: promote 90\/10 -> 50\/50/, stuck);
		assert.match(stuck, /NOT VERIFIED 50\/50: observed \S+, canary \S+ % \(99 %\) excludes 50 %/, stuck);
		tmux.keys('Escape');
		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
	} finally {
		process.kill(pid, 'SIGCONT');
		tmux.kill();
	}
	const audited = (await auditLines()).slice(auditFrom).filter((l) => l.outcome !== 'started');
	assert.deepEqual(audited.map((l) => [l.action, l.from, l.to, l.outcome]), [['promote', '90/10', '50/50', 'not-verified']]);
});
