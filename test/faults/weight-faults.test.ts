import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Lab} from '../../source/lab/lab.ts';
import type {ProxyControl} from '../../source/core/types.ts';
import {findUpstream, readSplit} from '../../source/domain/upstream.ts';
import {startLabForFaults, tempDir, until, watch} from './harness.ts';

// Fault matrix, weight side: a change that meets a broken config, an outside edit or an
// unwritable audit log ends with the file intact and the person told what happened.

let lab: Lab;
let dir: string;
let removeDir: () => Promise<void>;
before(async () => {
	({dir, remove: removeDir} = await tempDir());
	lab = await startLabForFaults();
});
after(async () => {
	await lab?.stop();
	await removeDir?.();
});

const splitOf = (text: string) => {
	const block = findUpstream(text, lab.upstream, lab.roles);
	return 'error' in block ? block : readSplit(block);
};
const auditLines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as {outcome: string; from: string; to: string});

test('nginx -t fails (someone wrote weight=0 mid-change): file restored byte for byte, reported failed', async () => {
	const original = await lab.proxy.readHost();
	// The other person edits between our write and our `nginx -t`.
	const tampering: ProxyControl = {
		...lab.proxy,
		async validate() {
			const now = await readFile(lab.proxy.configPath, 'utf8');
			await writeFile(lab.proxy.configPath, now.replace(/weight=\d+/, 'weight=0'));
			return lab.proxy.validate();
		},
	};
	const auditPath = join(dir, 'audit-validate.jsonl');
	const w = watch(lab, {proxy: tampering, auditPath});
	try {
		await until(w.monitor, 'configured split', (s) => s.split.configured !== null);
		await w.monitor.actions.request('set', {stable: 50, canary: 50});
		assert.equal(w.monitor.actions.state.phase, 'confirm');
		const result = await w.monitor.actions.confirm();
		assert.equal(result?.outcome, 'failed');
		assert.equal(result?.status, 'validate-failed');
		assert.equal(await lab.proxy.readHost(), original, 'the file is not the previous bytes');
		const s = w.monitor.current();
		assert.equal(s.action.phase, 'done');
		if (s.action.phase === 'done') {
			assert.equal(s.action.outcome, 'failed');
			assert.match(s.action.message, /nginx -t/);
			assert.match(s.action.message, /restored/);
		}
		assert.ok(s.notices.some((n) => n.level === 'error' && /failed/.test(n.text)));
		assert.equal((await auditLines(auditPath)).at(-1)?.outcome, 'failed');
	} finally {
		await w.stop();
	}
});

test('config changed by someone else between request and confirm: refused, nothing written, the outside change shown', async () => {
	const auditPath = join(dir, 'audit-outside.jsonl');
	const w = watch(lab, {auditPath});
	try {
		await until(w.monitor, 'configured split', (s) => s.split.configured !== null);
		await w.monitor.actions.request('set', {stable: 50, canary: 50});
		assert.equal(w.monitor.actions.state.phase, 'confirm');
		const before = await lab.proxy.readHost();
		const outside = before.replace('keepalive 64;', 'keepalive 32; # tuned by ops');
		await writeFile(lab.proxy.configPath, outside);
		const result = await w.monitor.actions.confirm();
		assert.equal(result?.outcome, 'refused');
		assert.equal(result?.status, 'changed-outside');
		assert.equal(await lab.proxy.readHost(), outside, 'the outside edit was overwritten');
		assert.ok(result?.diff?.some((line) => line.includes('keepalive 32')), 'the result lacks the outside change');
		const s = w.monitor.current();
		assert.equal(s.action.phase, 'done');
		// What the person sees must name the outside change, not only that there was one.
		const shown = JSON.stringify(s.action) + JSON.stringify(s.notices);
		assert.match(shown, /changed since it was read/);
		assert.match(shown, /keepalive 32/, 'the screen does not show the outside change');
		assert.equal((await auditLines(auditPath)).at(-1)?.outcome, 'refused');
		await writeFile(lab.proxy.configPath, before);
	} finally {
		await w.stop();
	}
});

for (const [name, auditPath, code] of [
	['read-only (its directory cannot be created)', () => join(lab.proxy.configPath, 'audit', 'audit.jsonl'), /ENOTDIR|EEXIST/],
	['full (ENOSPC)', () => '/dev/full', /ENOSPC/],
] as const) {
	test(`audit log ${name}: the change is refused and says why; with allowNoAudit it completes and shows the audit failure`, async () => {
		if (name.startsWith('full') && !existsSync('/dev/full')) throw new Error('/dev/full is missing on this machine');
		for (const allowNoAudit of [false, true]) {
			const w = watch(lab, {auditPath: auditPath(), config: {allowNoAudit}});
			try {
				await until(w.monitor, 'configured split', (s) => s.split.configured !== null);
				const from = w.monitor.current().split.configured!;
				const before = await lab.proxy.readHost();
				const to = from.stable === 50 ? {stable: 90, canary: 10} : {stable: 50, canary: 50};
				await w.monitor.actions.request('set', to);
				const result = await w.monitor.actions.confirm();
				assert.match(result?.auditError ?? '', code);
				const s = w.monitor.current();
				const shown = JSON.stringify(s.action) + JSON.stringify(s.notices);
				assert.match(shown, /audit log/, 'the screen does not say the audit line was not written');
				if (allowNoAudit) {
					assert.equal(result?.outcome, 'verified', result?.message);
					assert.deepEqual(splitOf(await lab.proxy.readHost()), to);
				} else {
					assert.equal(result?.outcome, 'refused', result?.message);
					assert.equal(result?.status, 'audit-unwritable');
					assert.match(shown, /change refused/);
					assert.equal(await lab.proxy.readHost(), before, 'nothing written');
				}
			} finally {
				await w.stop();
			}
		}
	});
}

test('webhook receiver down: notify returns at once, the failure is kept (receiver redacted) for the screen', async () => {
	const {createNotifier} = await import('../../source/adapters/webhook.ts');
	const {createServer} = await import('node:net');
	// A port that was free a moment ago: connections are refused.
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const {port} = probe.address() as {port: number};
	await new Promise((resolve) => probe.close(resolve));
	const seen: string[] = [];
	const notifier = createNotifier({urls: [`http://127.0.0.1:${port}/hooks/SECRET-TOKEN`], retries: 1, backoffMs: 20, timeoutMs: 1000, onFailure: (f) => seen.push(f.message)});
	try {
		const started = performance.now();
		notifier.notify({type: 'change-verified', text: 'set 90/10 -> 50/50: verified'});
		assert.ok(performance.now() - started < 50, 'notify waited for the dead receiver');
		await notifier.flush(5000);
		assert.equal(notifier.failures.length, 1);
		const failure = notifier.failures[0]!;
		assert.equal(failure.attempts, 2);
		assert.ok(failure.message.length > 0);
		assert.ok(!failure.url.includes('SECRET-TOKEN'), 'the secret path reached the screen');
		assert.equal(seen.length, 1);
	} finally {
		await notifier.close();
	}
});
