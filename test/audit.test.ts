import {test} from 'node:test';
import assert from 'node:assert/strict';
import {chmod, mkdtemp, readFile, rm} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {auditEntry, summarizeSample} from '../source/core/change/audit.ts';
import {createAuditLog} from '../source/adapters/files/audit-file.ts';

test('each append is one JSON line with who, what, outcome, verification and verdict', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'audit-test-'));
	try {
		const log = createAuditLog(join(dir, 'sub', 'audit.jsonl'));
		const sample = {n: 200, stable: 100, canary: 100, unknown: 0, errors: 0, ms: 87.4, observed: {stable: 50, canary: 50}, interval: {low: 41, high: 59}, method: 'X-Upstream' as const};
		const entry = auditEntry({action: 'promote', from: '90/10', to: '50/50', outcome: 'verified', verification: summarizeSample(sample), reason: 'soak passed', verdict: {overall: 'PASS', p95: 0.12}}, () => Date.parse('2025-06-01T12:00:00Z'));
		const results = await Promise.all([log.append(entry), log.append({...entry, action: 'rollback', to: '100/0', outcome: 'refused'})]);
		assert.deepEqual(results, [{ok: true}, {ok: true}]);
		const lines = (await readFile(log.path, 'utf8')).split('\n');
		assert.equal(lines.at(-1), '', 'ends with a newline');
		const [first, second] = lines.slice(0, -1).map((line) => JSON.parse(line));
		assert.equal(first.time, '2025-06-01T12:00:00.000Z');
		assert.equal(first.host, hostname());
		assert.equal(first.user, process.env.SUDO_USER || process.env.USER || first.user);
		assert.ok(first.user.length > 0);
		assert.equal(first.verification.ms, 87);
		assert.deepEqual(first.verdict, {overall: 'PASS', p95: 0.12});
		assert.equal(first.automatic, false);
		assert.equal(second.outcome, 'refused');
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('SUDO_USER names the person behind sudo', () => {
	const saved = process.env.SUDO_USER;
	process.env.SUDO_USER = 'frank';
	try {
		assert.equal(auditEntry({action: 'set', from: '90/10', to: '80/20', outcome: 'started'}).user, 'frank');
	} finally {
		if (saved === undefined) delete process.env.SUDO_USER;
		else process.env.SUDO_USER = saved;
	}
});

test('a read-only directory gives ok:false with the reason, never an exception', async (t) => {
	if (process.getuid?.() === 0) {
		// root writes through permission bits: a path under a regular file fails the same way for everyone.
		t.diagnostic('running as root: using a path below a regular file');
	}
	const dir = await mkdtemp(join(tmpdir(), 'audit-test-'));
	try {
		const log = process.getuid?.() === 0 ? createAuditLog(join(import.meta.filename, 'audit.jsonl')) : createAuditLog(join(dir, 'audit.jsonl'));
		await chmod(dir, 0o555);
		const result = await log.append(auditEntry({action: 'rollback', from: '50/50', to: '100/0', outcome: 'verified'}));
		assert.equal(result.ok, false);
		assert.match(result.ok ? '' : result.message, /audit log .* not written \((EACCES|ENOTDIR|EEXIST)\)/);
	} finally {
		await chmod(dir, 0o755);
		await rm(dir, {recursive: true, force: true});
	}
});

test('a full disk gives ok:false with ENOSPC', async () => {
	// /dev/full (Linux) answers every write with ENOSPC, as a full disk does.
	const result = await createAuditLog('/dev/full').append(auditEntry({action: 'promote', from: '90/10', to: '50/50', outcome: 'started'}));
	assert.equal(result.ok, false);
	assert.match(result.ok ? '' : result.message, /ENOSPC/);
});
