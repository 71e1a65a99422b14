import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig} from '../source/config.ts';
import {Monitor} from '../source/core/monitor.ts';
import {createHttpProbe} from '../source/adapters/http-probe.ts';
import {startLab, type LabOptions} from '../source/lab/lab.ts';
import {gateCode, parseDuration, runGate} from '../source/core/gate.ts';
import type {WindowRecord} from '../source/core/automation.ts';

const INTERVAL_MS = 2000;

/** A lab and a Monitor wired as the CLI does, with short windows and a 50/50 split for statistics. */
async function labMonitor(options: LabOptions) {
	const dir = await mkdtemp(join(tmpdir(), 'gate-test-'));
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, split: {stable: 50, canary: 50}, rps: 60, ...options});
	// The analysis windows are driven by the gate; the Monitor's own timer is kept out of the way.
	const config = buildConfig([{pollIntervalMs: 500, windowSec: 4, analysisIntervalSec: 3600, sampleSize: 40, verifyTimeoutMs: 5000}]);
	const monitor = new Monitor({
		config: {...config, urls: lab.urls, roles: lab.roles, upstream: lab.upstream, auditPath: join(dir, 'audit.jsonl')},
		http: createHttpProbe(),
		logs: lab.logs,
		stats: lab.stats,
		proxy: lab.proxy,
		runtime: lab.runtime,
	});
	return {
		lab,
		monitor,
		async stop() {
			await monitor.stop().catch(() => {});
			await lab.stop();
			await rm(dir, {recursive: true, force: true});
		},
	};
}

const windowOf = (overall: WindowRecord['overall'], failed: string[] = []): WindowRecord => ({at: 0, overall, reason: overall.toLowerCase(), failed, budgetUsed: failed.length ? 1 : 0, split: '50/50'});

test('gate exit codes: fail on any ROLL BACK or a failed final window, inconclusive on no data, pass otherwise', () => {
	assert.equal(gateCode([]).code, 2);
	assert.equal(gateCode([windowOf('INCONCLUSIVE'), windowOf('READY TO PROMOTE')]).code, 0);
	assert.equal(gateCode([windowOf('READY TO PROMOTE'), windowOf('HOLD')]).code, 0, 'warnings alone do not fail the gate');
	assert.equal(gateCode([windowOf('READY TO PROMOTE'), windowOf('HOLD', ['p95'])]).code, 1);
	assert.equal(gateCode([windowOf('ROLL BACK', ['5xx']), windowOf('INCONCLUSIVE')]).code, 1, 'a ROLL BACK anywhere fails');
	assert.equal(gateCode([windowOf('READY TO PROMOTE'), windowOf('INCONCLUSIVE')]).code, 2);
	assert.equal(gateCode([windowOf('INCONCLUSIVE')], [{kind: 'rollback', at: 0, reason: 'r', outcome: 'verified', message: 'm'}]).code, 1);
	assert.equal(parseDuration('10m'), 600_000);
	assert.equal(parseDuration('1h30m'), 5_400_000);
	assert.equal(parseDuration('90'), 90_000);
	assert.equal(parseDuration('2.5s'), 2500);
	assert.ok('error' in (parseDuration('10 minutes') as object));
	assert.ok('error' in (parseDuration('0s') as object));
});

test('gate against lab scenarios', {concurrency: true}, async (t) => {
	await t.test('good canary -> 0, with the verdict table', async () => {
		const run = await labMonitor({canaryFaults: {}});
		try {
			const result = await runGate(run.monitor, {forMs: 9000, intervalMs: INTERVAL_MS});
			assert.equal(result.code, 0, `${result.reason}\n${result.table}`);
			assert.equal(result.result, 'pass');
			assert.ok(result.verdicts.length >= 4);
			assert.equal(result.verdicts.at(-1)!.overall, 'READY TO PROMOTE');
			assert.ok(result.verdicts.every((w) => w.failed.length === 0));
			assert.match(result.table, /^verdict: READY TO PROMOTE/m);
			assert.match(result.table, /p95 latency/);
			assert.match(result.table, /GATE PASS \(exit 0\)/);
		} finally {
			await run.stop();
		}
	});

	await t.test('bad canary (400 ms) -> 1; with --auto-rollback the rollback happens and is reported', async () => {
		const run = await labMonitor({canaryFaults: {latencyMs: 400}});
		try {
			const result = await runGate(run.monitor, {forMs: 9000, intervalMs: INTERVAL_MS, autoRollback: true, json: true});
			assert.equal(result.code, 1, result.reason);
			assert.ok(result.verdicts.some((w) => w.overall === 'ROLL BACK'));
			assert.equal(result.actions[0]?.kind, 'rollback');
			const json = JSON.parse(result.table) as {code: number; result: string; windows: unknown[]; actions: Array<{kind: string}>};
			assert.equal(json.code, 1);
			assert.equal(json.result, 'fail');
			assert.equal(json.windows.length, result.verdicts.length);
			assert.equal(run.monitor.current().split.configured?.canary, 0, 'the canary was taken out of rotation');
		} finally {
			await run.stop();
		}
	});

	await t.test('bad canary (20 % errors) -> 1', async () => {
		const run = await labMonitor({canaryFaults: {errorRate: 0.2}});
		try {
			const result = await runGate(run.monitor, {forMs: 5000, intervalMs: INTERVAL_MS});
			assert.equal(result.code, 1, result.reason);
			assert.ok(result.verdicts.at(-1)!.failed.includes('5xx'));
			assert.match(result.table, /GATE FAIL \(exit 1\)/);
		} finally {
			await run.stop();
		}
	});

	await t.test('no traffic -> 2', async () => {
		const run = await labMonitor({canaryFaults: {}, rps: 0});
		try {
			const result = await runGate(run.monitor, {forMs: 5000, intervalMs: INTERVAL_MS});
			assert.equal(result.code, 2, result.reason);
			assert.equal(result.verdicts.at(-1)!.overall, 'INCONCLUSIVE');
			assert.match(result.table, /GATE INCONCLUSIVE \(exit 2\)/);
		} finally {
			await run.stop();
		}
	});
});
