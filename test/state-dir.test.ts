import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {deploymentName, remoteDockerHost, resolveState, stateRoot} from '../source/adapters/files/state-dir.ts';
import {buildConfig} from '../source/config.ts';
import {listBackups} from '../source/adapters/files/backups.ts';
import {lockPathFor} from '../source/adapters/files/lock.ts';
import {startMiniDeployment} from './helpers/mini-deployment.ts';
import {startDemoRuntime} from '../source/runtime.ts';

// Where a deployment's state lives: one directory per deployment, whatever the working
// directory, and nothing beside the nginx config.

const CLI = resolve('bin/canary-console.js');

function run(args: string[], cwd: string, env: Record<string, string>): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((done) => {
		const child = spawn(process.execPath, [CLI, ...args], {cwd, env: {...process.env, CI: 'true', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
		child.on('close', (code) => done({code, stdout, stderr}));
	});
}

/** A deployment's directory with ops/nginx/canary.conf, and two unrelated working directories. */
function deploymentTree() {
	const root = mkdtempSync(join(tmpdir(), 'canary-state-test-'));
	const nginxDir = join(root, 'deploy', 'ops/nginx');
	mkdirSync(nginxDir, {recursive: true});
	copyFileSync('ops/nginx/canary.conf', join(nginxDir, 'canary.conf'));
	for (const dir of ['alice-home', 'bob-work', 'xdg']) mkdirSync(join(root, dir));
	// Another spelling of the same deployment: a symlink to it.
	symlinkSync(join(root, 'deploy'), join(root, 'bob-work', 'current'));
	return {root, nginxDir, xdg: join(root, 'xdg'), cleanup: () => rmSync(root, {recursive: true, force: true})};
}

test('the deployment is named from the real path of the nginx config, the host and a remote Docker host', () => {
	const t = deploymentTree();
	try {
		const file = join(t.nginxDir, 'canary.conf');
		const viaLink = join(t.root, 'bob-work', 'current', 'ops/nginx', 'canary.conf');
		const name = deploymentName(file, {}, 'ops-1');
		assert.match(name, /deploy-ops-nginx-canary\.conf-[0-9a-f]{8}$/, 'readable: the path, then a short hash');
		assert.equal(deploymentName(viaLink, {}, 'ops-1'), name, 'a symlinked spelling is the same deployment');
		assert.notEqual(deploymentName(file, {}, 'ops-2'), name, 'the same path on another host is another deployment');
		const remote = deploymentName(file, {DOCKER_HOST: 'ssh://deploy@prod-1'}, 'ops-1');
		assert.match(remote, /^deploy@prod-1-.*canary\.conf-[0-9a-f]{8}$/);
		assert.notEqual(remote, name);
		assert.equal(remoteDockerHost({DOCKER_HOST: 'unix:///var/run/docker.sock'}), null);
		assert.equal(remoteDockerHost({DOCKER_HOST: 'tcp://10.0.0.5:2376'}), '10.0.0.5:2376');
		assert.ok(deploymentName(join('/', 'x'.repeat(300), 'canary.conf'), {}).length < 100, 'long paths are cut');
	} finally {
		t.cleanup();
	}
});

test('the state root follows XDG_STATE_HOME (absolute only), else ~/.local/state; configured paths win', () => {
	assert.equal(stateRoot({XDG_STATE_HOME: '/var/lib/ops', HOME: '/home/a'}), '/var/lib/ops/canary-console');
	assert.equal(stateRoot({XDG_STATE_HOME: 'relative/dir', HOME: '/home/a'}), '/home/a/.local/state/canary-console');
	assert.equal(stateRoot({HOME: '/home/a'}), '/home/a/.local/state/canary-console');
	const derived = resolveState(buildConfig([]), {HOME: '/home/a'});
	assert.ok(derived.stateDir.startsWith('/home/a/.local/state/canary-console/'));
	assert.equal(derived.auditPath, join(derived.stateDir, 'audit.jsonl'));
	const configured = resolveState(buildConfig([{stateDir: '/srv/state', auditPath: '/var/log/canary.jsonl'}]), {HOME: '/home/a'});
	assert.deepEqual([configured.stateDir, configured.auditPath], ['/srv/state', '/var/log/canary.jsonl'], 'an explicit auditPath keeps working');
});

test('ten changes through the weight flow leave nothing beside the nginx config', async () => {
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-state-flow-'));
	const d = await startMiniDeployment({auditPath: '', stateDir, backupsKept: 4});
	try {
		d.monitor.start();
		const configDir = join(d.configPath, '..');
		const before = readdirSync(configDir).sort();
		for (let i = 0; i < 10; i++) {
			await d.monitor.until((s) => s.split.configured !== null, 5000);
			await d.monitor.actions.request('set', i % 2 === 0 ? {stable: 50, canary: 50} : {stable: 90, canary: 10});
			const result = await d.monitor.actions.confirm();
			assert.equal(result?.outcome, 'verified', result?.message);
		}
		assert.deepEqual(readdirSync(configDir).sort(), before, 'no backup, lock or audit file beside the config');
		assert.deepEqual(before, ['canary.conf']);
		const audit = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {outcome: string});
		assert.equal(audit.filter((entry) => entry.outcome === 'verified').length, 10);
		assert.equal((await listBackups(stateDir, 'canary.conf')).length, 4, 'backups pruned to backupsKept');
		assert.throws(() => readFileSync(lockPathFor(stateDir)), /ENOENT/, 'the lock is released');
		assert.equal(d.monitor.actions.stateDir, stateDir);
	} finally {
		await d.close();
		rmSync(stateDir, {recursive: true, force: true});
	}
});

test('two consoles started from different directories on one host write one audit log', async () => {
	const t = deploymentTree();
	try {
		// No Docker here: each change ends at the container check, and is audited all the same.
		const env = {XDG_STATE_HOME: t.xdg, DOCKER_HOST: `unix://${join(t.root, 'no-docker.sock')}`};
		const first = await run(['weights', '50/50', '--yes', '--nginx-config', '../deploy/ops/nginx/canary.conf'], join(t.root, 'alice-home'), env);
		const second = await run(['rollback', '--yes', '--nginx-config', 'current/ops/nginx/canary.conf'], join(t.root, 'bob-work'), env);
		assert.equal(first.code, 1, first.stdout + first.stderr);
		assert.equal(second.code, 1, second.stdout + second.stderr);
		const deployments = readdirSync(join(t.xdg, 'canary-console'));
		assert.equal(deployments.length, 1, `one state directory: ${deployments.join(', ')}`);
		const dir = join(t.xdg, 'canary-console', deployments[0]!);
		assert.deepEqual(readdirSync(dir).sort(), ['audit.jsonl', 'timeline.jsonl']);
		const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {action: string; to: string});
		assert.deepEqual(audit.map((entry) => `${entry.action} ${entry.to}`), ['set 50/50', 'rollback 100/0']);
		for (const cwd of ['alice-home', 'bob-work']) {
			assert.deepEqual(readdirSync(join(t.root, cwd)).filter((name) => name !== 'current'), [], `nothing left in ${cwd}`);
		}
		assert.deepEqual(readdirSync(t.nginxDir), ['canary.conf']);
		// --help names that directory, from either place.
		const help = await run(['--help', '--nginx-config', '../deploy/ops/nginx/canary.conf'], join(t.root, 'alice-home'), env);
		assert.equal(help.code, 0);
		assert.ok(help.stdout.includes(dir), help.stdout);
		assert.ok(help.stdout.includes(join(dir, 'audit.jsonl')));
	} finally {
		t.cleanup();
	}
});

test('the demo keeps its state in its lab unless a state directory is configured; then it lands there', async () => {
	const own = await startDemoRuntime(buildConfig([]), {balancer: 'lab', logRate: 0});
	try {
		await own.ready;
		assert.match(own.monitor.actions.stateDir, /\/canary-console-demo\/canary-lab-[^/]+$/);
		assert.ok(own.monitor.actions.stateDir.startsWith(tmpdir()));
		assert.equal(own.monitor.actions.audit.path, join(own.monitor.actions.stateDir, 'audit.jsonl'));
	} finally {
		await own.shutdown();
	}
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-state-demo-'));
	const configured = await startDemoRuntime(buildConfig([{stateDir}]), {balancer: 'lab', logRate: 0});
	try {
		await configured.ready;
		const monitor = configured.monitor;
		monitor.start();
		await monitor.until((s) => s.split.configured !== null, 10_000);
		await monitor.actions.request('set', {stable: 75, canary: 25});
		const result = await monitor.actions.confirm();
		assert.equal(result?.outcome, 'verified', result?.message);
		assert.deepEqual(readdirSync(stateDir).sort(), ['audit.jsonl', 'backups', 'timeline.jsonl']);
		const audit = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {outcome: string});
		assert.deepEqual(audit.map((entry) => entry.outcome), ['started', 'verified']);
		assert.equal(readdirSync(join(stateDir, 'backups')).length, 1);
	} finally {
		await configured.monitor.stop();
		await configured.shutdown();
		rmSync(stateDir, {recursive: true, force: true});
	}
});

test('a change whose audit record cannot be written is refused, and the screen says why', async () => {
	const blocker = mkdtempSync(join(tmpdir(), 'canary-state-audit-'));
	writeFileSync(join(blocker, 'file'), '');
	const d = await startMiniDeployment({auditPath: join(blocker, 'file', 'audit.jsonl'), stateDir: join(blocker, 'state')});
	try {
		d.monitor.start();
		await d.monitor.until((s) => s.split.configured !== null, 5000);
		const before = readFileSync(d.configPath, 'utf8');
		await d.monitor.actions.request('promote');
		const result = await d.monitor.actions.confirm();
		assert.equal(result?.outcome, 'refused');
		assert.equal(readFileSync(d.configPath, 'utf8'), before, 'nothing written');
		const s = d.monitor.current();
		assert.equal(s.action.phase, 'done');
		assert.match(s.action.phase === 'done' ? s.action.message : '', /audit log .* not written .*change refused, nothing was written.*--allow-no-audit/);
		assert.match(s.notices.at(-1)?.text ?? '', /promote 90\/10 -> 50\/50: refused: .*audit log/);
	} finally {
		await d.close();
		rmSync(blocker, {recursive: true, force: true});
	}
});

test('headless: a change the audit log cannot record exits 3 with the reason, and the file keeps its weights', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'canary-state-cli-audit-'));
	writeFileSync(join(dir, 'file'), '');
	try {
		const result = await run(['weights', '50/50', '--yes', '--demo', '--balancer', 'lab', '--json', '--state-dir', join(dir, 'state'), '--audit', join(dir, 'file', 'audit.jsonl')], dir, {});
		assert.equal(result.code, 3, result.stdout + result.stderr);
		const answer = JSON.parse(result.stdout) as {outcome: string; message: string; steps: {name: string; state: string}[]};
		assert.equal(answer.outcome, 'refused');
		assert.match(answer.message, /audit log .*file\/audit\.jsonl not written .*change refused, nothing was written.*--allow-no-audit/);
		assert.deepEqual(answer.steps.map((step) => step.name), ['lock', 'read', 'render', 'check-seen', 'audit']);
		assert.deepEqual(readdirSync(join(dir, 'state')), [], 'no backup: nothing was touched');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
