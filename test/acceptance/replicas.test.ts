import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {CheckRow, Verdict} from '../../source/domain/figures.ts';
import {findUpstream} from '../../source/domain/upstream.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import {renderStatusText, snapshotToJson} from '../../source/core/monitor/snapshot-text.ts';
import {startMonitorLab, survivors, waitFor, type MonitorLab} from '../helpers/monitor-lab.ts';

// The replicas' lab acceptance: `--replicas 3,2` shows five engines, merged logs labelled per
// replica, role figures that equal the sum of the replicas, a promote to 50/50 that writes
// weights giving exactly 50/50 and verifies per role; and one canary replica with +150 ms among
// two healthy ones is named by the verdict and on its card.

async function withLab(options: Parameters<typeof startMonitorLab>[0], body: (m: MonitorLab) => Promise<void>): Promise<void> {
	const m = await startMonitorLab(options);
	try {
		await body(m);
	} finally {
		await m.stop();
	}
	assert.deepEqual(await survivors(m.pids), [], 'no lab process survives stop()');
}

const row = (verdict: Verdict, id: CheckRow['id']) => verdict.checks.find((check) => check.id === id);

test('lab with 3+2 replicas: five engines, labelled logs, role = sum of replicas, promote to exactly 50/50 verified per role', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'replicas-audit-'));
	await withLab({lab: {replicas: {stable: 3, canary: 2}, rps: 40}, config: {verifyTimeoutMs: 10_000, sampleSize: 200, windowSec: 4, auditPath: join(dir, 'audit.jsonl')}}, async (m) => {
		assert.deepEqual(m.lab.replicas.map((r) => r.id), ['S1', 'S2', 'S3', 'C1', 'C2']);
		assert.ok(m.lab.pids().length >= 5 + 2, 'five engines, the balancer and the load generator run');

		// Merged logs: lines of every replica arrive, each labelled, and the label leads the line.
		const labels = () => new Set([...m.monitor.logStore.rings.stable.toArray(), ...m.monitor.logStore.rings.canary.toArray()].map((event) => event.replica).filter(Boolean));
		await waitFor('log lines from all five replicas', () => labels().size === 5, 20_000);
		const c2 = m.monitor.logStore.rings.canary.toArray().find((event) => event.replica === 'C2')!;
		assert.equal(c2.engine, 'canary');

		// Role figures equal the sum of the replicas' (same scrapes, same window).
		const snapshot = await waitFor(
			'a full window of every replica',
			() => {
				const s = m.monitor.current();
				const ready = (['stable', 'canary'] as const).every((role) => (s.engines[role].figures?.requests ?? 0) > 0 && s.engines[role].replicas?.every((r) => (r.requests ?? 0) > 0));
				return ready ? s : null;
			},
			20_000,
		);
		for (const role of ['stable', 'canary'] as const) {
			const engine = snapshot.engines[role];
			assert.equal(engine.replicas?.length, role === 'stable' ? 3 : 2);
			const sum = engine.replicas!.reduce((total, r) => total + (r.requests ?? 0), 0);
			assert.equal(engine.figures!.requests, sum, `${role}: role requests are the sum of its replicas'`);
		}

		// Promote 90/10 -> 50/50: the file holds 2,2,2 / 3,3 and the change is verified per role.
		await waitFor('the weights read', () => m.monitor.current().split.configured, 10_000);
		const plan = await m.monitor.actions.request('promote');
		assert.equal(plan.phase, 'confirm');
		const diff = plan.phase === 'confirm' ? plan.diff : [];
		assert.equal(diff.filter((line) => line.startsWith('+ ') && /server /.test(line)).length, 5, `the confirm dialog shows every server line: ${diff.join('\n')}`);
		const result = await m.monitor.actions.confirm();
		assert.equal(result?.outcome, 'verified', result?.message);
		const block = findUpstream(readFileSync(m.lab.proxy.configPath, 'utf8'), m.lab.upstream, m.lab.roles);
		assert.ok(!('error' in block), 'error' in block ? block.error : '');
		assert.deepEqual(block.servers.map((s) => s.weight), [2, 2, 2, 3, 3]);
		// A sample through the balancer counts each replica by the address nginx names.
		const sample = await httpSplitSampler.sample({url: m.lab.urls.balancer, n: 200, roles: m.lab.roles});
		assert.ok(sample.replicas, 'per-replica counts');
		assert.equal(Object.values(sample.replicas!).reduce((a, b) => a + b, 0), sample.stable + sample.canary);
		assert.deepEqual(Object.keys(sample.replicas!).sort(), ['C1', 'C2', 'S1', 'S2', 'S3']);
		for (const [id, count] of Object.entries(sample.replicas!)) assert.ok(count > 0, `${id} answered`);
	}).finally(() => rmSync(dir, {recursive: true, force: true}));
});

test('one canary replica with +150 ms among two healthy ones is flagged by name in the verdict and on its card', async () => {
	await withLab(
		{lab: {replicas: {stable: 2, canary: 3}, split: {stable: 50, canary: 50}, canaryFaults: {}, replicaFaults: {C2: {latencyMs: 150}}, rps: 60}, config: {windowSec: 6, analysisIntervalSec: 3600, thresholds: {minRequests: 25}}},
		async (m) => {
			const verdict = await waitFor(
				'a verdict that judges the replicas',
				() => {
					const v = m.monitor.analyse();
					return row(v, 'replicas')?.state === 'WARN' ? v : null;
				},
				30_000,
				500,
			);
			const replicas = row(verdict, 'replicas')!;
			assert.match(replicas.reason, /outlier: C2 p95 \d+ ms vs \d+ ms/);
			assert.doesNotMatch(replicas.reason, /C1|C3|S1|S2/);
			const cards = m.monitor.current().engines.canary.replicas!;
			assert.deepEqual(cards.filter((card) => card.outlier).map((card) => card.id), ['C2']);
			// `status` prints a line per replica; `status --json` lists them under their engine.
			const text = renderStatusText(m.monitor.current());
			assert.match(text, /^ {2}C2 .*OUTLIER: C2 p95/m);
			assert.doesNotMatch(text, /^ {2}C[13] .*OUTLIER/m);
			const json = snapshotToJson(m.monitor.current()) as {engines: {canary: {replicas?: {id: string; outlier: string | null}[]}}};
			assert.deepEqual(json.engines.canary.replicas?.map((r) => [r.id, r.outlier !== null]), [['C1', false], ['C2', true], ['C3', false]]);
		},
	);
});
