import {test} from 'node:test';
import assert from 'node:assert/strict';
import {copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {applySplit, type ApplyDeps, type ApplyStep} from '../source/core/change/apply-weights.ts';
import {restartProxy} from '../source/core/change/restart-proxy.ts';
import type {AuditLog} from '../source/core/change/audit.ts';
import {createAuditLog} from '../source/adapters/files/audit-file.ts';
import {changeFiles} from '../source/adapters/files/deployment-state.ts';
import {listBackups} from '../source/adapters/files/backups.ts';
import {writeInPlace} from '../source/adapters/files/in-place-write.ts';
import {acquireLock, lockPathFor} from '../source/adapters/files/lock.ts';
import type {VerifyResult} from '../source/adapters/split-sampler.ts';
import type {CommandResult, ProxyControl} from '../source/core/types.ts';
import type {Split} from '../source/domain/upstream.ts';

import {CONFIG, half, roles} from './helpers/weights-fixture.ts';

const ok: CommandResult = {ok: true, exitCode: 0, output: ''};

async function setup(options: {validate?: (text: string) => CommandResult; reload?: () => CommandResult; verified?: boolean; detached?: boolean; audit?: AuditLog} = {}) {
	const dir = await mkdtemp(join(tmpdir(), 'apply-test-'));
	const configPath = join(dir, 'canary.conf');
	// A detached bind mount: the container keeps its own copy of the old file.
	const seenPath = join(dir, 'seen.conf');
	await writeFile(configPath, CONFIG);
	await writeFile(seenPath, CONFIG);
	let detached = options.detached ?? false;
	const calls: string[] = [];
	const proxy: ProxyControl = {
		describe: 'fake nginx', configPath,
		readHost: () => readFile(configPath, 'utf8'),
		writeHost: async (text) => {
			calls.push('write');
			await writeInPlace(configPath, text);
		},
		readSeen: () => readFile(detached ? seenPath : configPath, 'utf8'),
		validate: async () => (calls.push('validate'), options.validate?.(await readFile(configPath, 'utf8')) ?? ok),
		reload: async () => (calls.push('reload'), options.reload?.() ?? ok),
		restart: async () => (calls.push('restart'), (detached = false), ok),
	};
	const sampled: Split[] = [];
	const sampler = async (split: Split): Promise<VerifyResult> => {
		sampled.push(split);
		const sample = {n: 200, stable: 2 * split.stable, canary: 2 * split.canary, unknown: 0, errors: 0, ms: 80, observed: split, interval: null, method: 'X-Upstream' as const};
		return {verified: options.verified ?? true, sample, attempts: 1, reason: options.verified === false ? 'observed 90/10, want 50/50' : `observed ${split.stable}/${split.canary}`};
	};
	const stateDir = join(dir, 'state');
	const audit = options.audit ?? createAuditLog(join(stateDir, 'audit.jsonl'));
	const deps: ApplyDeps = {proxy, audit, sampler, upstream: 'involution_engine', roles, files: changeFiles(stateDir), now: () => Date.parse('2025-06-01T12:00:00Z')};
	const auditLines = async () => (await readFile(audit.path, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
	return {dir, stateDir, configPath, seenPath, calls, sampled, deps, proxy, auditLines, cleanup: () => rm(dir, {recursive: true, force: true})};
}


test('a change runs every step in order, writes in place and is verified', async () => {
	const t = await setup();
	try {
		const inode = (await stat(t.configPath)).ino;
		const seen: ApplyStep[] = [];
		const result = await applySplit(t.deps, {action: 'promote', to: half, expectedHostText: CONFIG, verdict: {overall: 'PASS'}}, (step) => seen.push(step));
		assert.equal(result.outcome, 'verified');
		assert.equal(result.ok, true);
		assert.deepEqual([result.from, result.to], ['90/10', '50/50']);
		const order = ['lock', 'read', 'render', 'check-seen', 'audit', 'backup', 'write', 'read-back', 'validate', 'reload', 'confirm-seen', 'verify'];
		assert.deepEqual(result.steps.map((s) => s.name), order);
		assert.ok(result.steps.every((s) => s.state === 'done'));
		// Reported live: running before done, in order.
		assert.deepEqual(seen.filter((s) => s.state === 'running').map((s) => s.name), order);
		const text = await readFile(t.configPath, 'utf8');
		assert.equal(text, CONFIG.replace('weight=90', 'weight=50').replace('weight=10', 'weight=50'));
		assert.equal((await stat(t.configPath)).ino, inode, 'same inode: never replaced by rename');
		assert.deepEqual(t.calls, ['write', 'validate', 'reload']);
		assert.deepEqual(t.sampled, [half]);
		assert.equal(await readFile(result.backupPath!, 'utf8'), CONFIG);
		assert.equal(result.backupPath, join(t.stateDir, 'backups', 'canary.conf.2025-06-01T12-00-00-000Z.bak'));
		await assert.rejects(stat(lockPathFor(t.stateDir)), {code: 'ENOENT'}, 'lock released');
		assert.deepEqual((await readdir(t.dir)).sort(), ['canary.conf', 'seen.conf', 'state'], 'nothing left beside the config');
		const lines = await t.auditLines();
		assert.deepEqual(lines.map((l) => l.outcome), ['started', 'verified']);
		assert.deepEqual(lines[1].verdict, {overall: 'PASS'});
		assert.equal(lines[1].verification.n, 200);
	} finally {
		await t.cleanup();
	}
});

test('nginx -t and reload failing only because a server does not resolve (its container restarting) are tried again, then the change goes on', async () => {
	const notFound: CommandResult = {ok: false, exitCode: 1, output: 'nginx: [emerg] host not found in upstream "engine-canary:8080" in /etc/nginx/conf.d/default.conf:8\nnginx: configuration file /etc/nginx/nginx.conf test failed'};
	// nginx -s reload reads the config too: it meets the same moment and is tried again as well.
	let failures = 2;
	let reloadFailures = 1;
	const t = await setup({validate: () => (failures-- > 0 ? notFound : ok), reload: () => (reloadFailures-- > 0 ? notFound : ok)});
	const waits: number[] = [];
	try {
		const result = await applySplit({...t.deps, sleep: async (ms) => void waits.push(ms)}, {action: 'rollback', to: {stable: 100, canary: 0}});
		assert.equal(result.outcome, 'verified', result.message);
		assert.deepEqual(t.calls, ['write', 'validate', 'validate', 'validate', 'reload', 'reload']);
		assert.deepEqual(waits, [250, 250, 250]);
		assert.equal(result.steps.find((s) => s.name === 'validate')?.state, 'done');
		assert.equal(result.steps.find((s) => s.name === 'reload')?.state, 'done');
	} finally {
		await t.cleanup();
	}
	// Never resolving: it fails after 70 s of tries, restores the file and says why.
	const never = await setup({validate: () => notFound});
	try {
		const result = await applySplit({...never.deps, sleep: async () => {}}, {action: 'rollback', to: {stable: 100, canary: 0}});
		assert.equal(result.outcome, 'failed');
		assert.equal(result.status, 'validate-failed');
		assert.equal(never.calls.filter((c) => c === 'validate').length, 280);
		assert.ok(!never.calls.includes('reload'));
		assert.match(result.message, /host not found in upstream "engine-canary:8080".*engine-canary did not resolve for 70 s: Docker gives a stopped or restarting container no name/);
		assert.equal(await readFile(never.configPath, 'utf8'), CONFIG, 'the previous file restored');
	} finally {
		await never.cleanup();
	}
});

test('nginx -t failing restores the previous bytes and never reloads', async () => {
	const broken = CONFIG.replace('proxy_http_version 1.1;', 'proxy_htp_version 1.1;');
	const message = 'nginx: [emerg] unknown directive "proxy_htp_version" in /etc/nginx/conf.d/default.conf:12\nnginx: configuration file /etc/nginx/nginx.conf test failed';
	const t = await setup({validate: (text) => (text.includes('proxy_htp_version') ? {ok: false, exitCode: 1, output: message} : ok)});
	try {
		await writeFile(t.configPath, broken);
		const result = await applySplit(t.deps, {action: 'set', to: half});
		assert.equal(result.outcome, 'failed');
		assert.equal(result.status, 'validate-failed');
		assert.equal(await readFile(t.configPath, 'utf8'), broken, 'byte-identical to before');
		assert.deepEqual(t.calls, ['write', 'validate', 'write']);
		assert.match(result.message, /unknown directive "proxy_htp_version"/);
		assert.match(result.message, /previous file was restored/);
		assert.equal(result.steps.find((s) => s.name === 'restore')?.state, 'done');
		assert.deepEqual((await t.auditLines()).map((l) => l.outcome), ['started', 'failed']);
	} finally {
		await t.cleanup();
	}
});

test('a failed reload restores the file and reloads the previous config', async () => {
	let reloads = 0;
	const t = await setup({reload: () => (++reloads === 1 ? {ok: false, exitCode: 1, output: 'nginx: [error] invalid PID number "" in "/run/nginx.pid"'} : ok)});
	try {
		const result = await applySplit(t.deps, {action: 'set', to: half});
		assert.equal(result.status, 'reload-failed');
		assert.equal(await readFile(t.configPath, 'utf8'), CONFIG);
		assert.deepEqual(t.calls, ['write', 'validate', 'reload', 'write', 'reload']);
		assert.match(result.message, /invalid PID number.*previous config was reloaded/);
	} finally {
		await t.cleanup();
	}
});

test('a container that sees another file stops the change before writing and offers a restart', async () => {
	const t = await setup({detached: true});
	try {
		await writeFile(t.seenPath, CONFIG.replace('weight=10', 'weight=11'));
		const result = await applySplit(t.deps, {action: 'promote', to: half});
		assert.equal(result.outcome, 'refused');
		assert.equal(result.status, 'stale-container-file');
		assert.equal(result.restartOffered, true);
		assert.match(result.message, /^nginx-canary sees a different file than .*canary\.conf: the single-file bind mount is detached \(an editor or sed -i replaced the file\)\. Restart nginx-canary to reconnect it\.$/);
		assert.deepEqual(t.calls, []);
		assert.equal(await readFile(t.configPath, 'utf8'), CONFIG);
		assert.deepEqual(await listBackups(t.stateDir, 'canary.conf'), [], 'no backup: nothing was touched');

		const restarted = await restartProxy(t.deps);
		assert.equal(restarted.outcome, 'restored');
		assert.equal(restarted.ok, true);
		// The audit line records the split nginx ran before (the detached file) and after (the host file).
		const restartLine = (await t.auditLines()).find((l) => l.action === 'restart-proxy')!;
		assert.deepEqual([restartLine.from, restartLine.to], ['89/11', '90/10'], JSON.stringify(restartLine));
		const again = await applySplit(t.deps, {action: 'promote', to: half});
		assert.equal(again.outcome, 'verified');
		assert.deepEqual((await t.auditLines()).map((l) => `${l.action}:${l.outcome}`), ['promote:refused', 'restart-proxy:restored', 'promote:started', 'promote:verified']);
	} finally {
		await t.cleanup();
	}
});

test('a write the container does not see is undone and reported as a stale container file', async () => {
	const t = await setup({detached: true});
	try {
		// The container's copy equals the host file until the write: the detachment shows only on read-back.
		await copyFile(t.configPath, t.seenPath);
		const result = await applySplit(t.deps, {action: 'set', to: half});
		assert.equal(result.status, 'stale-container-file');
		assert.equal(result.restartOffered, true);
		assert.equal(result.steps.find((s) => s.name === 'read-back')?.state, 'failed');
		assert.equal(await readFile(t.configPath, 'utf8'), CONFIG);
		assert.deepEqual(t.calls, ['write', 'write'], 'never validated or reloaded');
	} finally {
		await t.cleanup();
	}
});

test('backups go to the state directory and only the newest backupsKept stay', async () => {
	const t = await setup();
	try {
		let clock = Date.parse('2025-06-01T12:00:00Z');
		const deps: ApplyDeps = {...t.deps, files: changeFiles(t.stateDir, {backupsKept: 3}), now: () => clock};
		const splits = [half, {stable: 90, canary: 10}];
		const made: string[] = [];
		for (let i = 0; i < 10; i++) {
			// Two changes in the same millisecond get distinct names, and keep their order.
			if (i !== 5) clock += 60_000;
			const result = await applySplit(deps, {action: 'set', to: splits[i % 2]!});
			assert.equal(result.outcome, 'verified', result.message);
			made.push(result.backupPath!);
		}
		assert.deepEqual(await listBackups(t.stateDir, 'canary.conf'), made.slice(-3));
		assert.match(made[5]!, /-1\.bak$/);
		assert.deepEqual((await readdir(t.dir)).sort(), ['canary.conf', 'seen.conf', 'state'], 'nothing beside the config after ten changes');
		assert.equal(await readFile(made.at(-1)!, 'utf8'), CONFIG.replace('weight=90', 'weight=50').replace('weight=10', 'weight=50'), 'the last backup holds the file before the last change');
	} finally {
		await t.cleanup();
	}
});

test('a change whose audit record cannot be written is refused before anything is touched', async () => {
	const blocker = await mkdtemp(join(tmpdir(), 'apply-test-audit-'));
	// A regular file where the audit log's directory should be: ENOTDIR, even for root.
	await writeFile(join(blocker, 'not-a-dir'), '');
	const t = await setup({audit: createAuditLog(join(blocker, 'not-a-dir', 'audit.jsonl'))});
	try {
		const result = await applySplit(t.deps, {action: 'promote', to: half});
		assert.equal(result.outcome, 'refused');
		assert.equal(result.status, 'audit-unwritable');
		assert.match(result.message, /audit log .*not-a-dir\/audit\.jsonl not written \((EEXIST|ENOTDIR)\): a path component .* is a file, not a directory; change refused, nothing was written.*--allow-no-audit/);
		assert.equal(result.steps.find((s) => s.name === 'audit')?.state, 'failed');
		assert.ok(result.auditError);
		assert.deepEqual(t.calls, [], 'never written, validated or reloaded');
		assert.equal(await readFile(t.configPath, 'utf8'), CONFIG);
		assert.deepEqual(await listBackups(t.stateDir, 'canary.conf'), []);

		const restart = await restartProxy(t.deps);
		assert.equal(restart.status, 'audit-unwritable');
		assert.deepEqual(t.calls, [], 'the proxy is not restarted either');

		// Allowed explicitly: the change runs, and says it was not recorded.
		const allowed = await applySplit({...t.deps, allowNoAudit: true}, {action: 'promote', to: half});
		assert.equal(allowed.outcome, 'verified');
		assert.match(allowed.auditError ?? '', /not a directory/);
		assert.match(allowed.steps.find((s) => s.name === 'audit')?.message ?? '', /going on without it \(--allow-no-audit\)/);
		assert.deepEqual(t.calls, ['write', 'validate', 'reload']);
	} finally {
		await t.cleanup();
		await rm(blocker, {recursive: true, force: true});
	}
});

test('a file changed since it was read is refused with the outside change', async () => {
	const t = await setup();
	try {
		const outside = CONFIG.replace('keepalive 64;', 'keepalive 32;');
		await writeFile(t.configPath, outside);
		const result = await applySplit(t.deps, {action: 'promote', to: half, expectedHostText: CONFIG});
		assert.equal(result.status, 'changed-outside');
		assert.equal(result.outcome, 'refused');
		assert.ok(result.diff?.includes('-     keepalive 64;'), result.diff?.join('\n'));
		assert.ok(result.diff?.includes('+     keepalive 32;'));
		assert.equal(await readFile(t.configPath, 'utf8'), outside);
		assert.deepEqual(t.calls, []);
	} finally {
		await t.cleanup();
	}
});

test('a second writer is refused while the lock is held', async () => {
	const t = await setup();
	try {
		const other = await acquireLock(t.stateDir, {identity: {user: 'alice', host: 'ops-1', pid: process.pid}});
		assert.ok(other.ok);
		const result = await applySplit(t.deps, {action: 'rollback', to: {stable: 100, canary: 0}});
		assert.equal(result.status, 'lock-held');
		assert.equal(result.outcome, 'refused');
		assert.match(result.message, /alice@ops-1/);
		assert.equal(result.from, '90/10');
		assert.deepEqual(t.calls, []);
		await other.release();
		const lines = await t.auditLines();
		assert.deepEqual(lines.map((l) => l.outcome), ['refused']);
	} finally {
		await t.cleanup();
	}
});

test('the audit log has one outcome line per action', async () => {
	const t = await setup({verified: false});
	try {
		const actions = [
			{action: 'promote' as const, to: half},
			{action: 'rollback' as const, to: {stable: 100, canary: 0}},
			{action: 'set' as const, to: {stable: 70, canary: 40}},
			{action: 'auto-rollback' as const, to: {stable: 100, canary: 0}, automatic: true, reason: 'p95 above 300 ms'},
		];
		const outcomes = [];
		for (const request of actions) outcomes.push((await applySplit(t.deps, request)).outcome);
		assert.deepEqual(outcomes, ['not-verified', 'not-verified', 'refused', 'not-verified']);
		const lines = (await t.auditLines()).filter((l) => l.outcome !== 'started');
		assert.deepEqual(lines.map((l) => l.action), ['promote', 'rollback', 'set', 'auto-rollback']);
		for (const line of lines) for (const field of ['time', 'user', 'host', 'from', 'to', 'outcome', 'verification', 'verdict', 'reason']) assert.ok(field in line, field);
		assert.equal(lines[3].automatic, true);
		assert.match(lines[3].reason, /^p95 above 300 ms: NOT VERIFIED/);
		assert.match(lines[2].reason, /adds up to 110/);
		// 100/0 is written with `down`, never weight=0.
		assert.match(await readFile(t.configPath, 'utf8'), /server engine-canary:8080 down;/);
	} finally {
		await t.cleanup();
	}
});
