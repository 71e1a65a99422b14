import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig} from '../../source/config.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {startLab, type Lab} from '../../source/lab/lab.ts';
import {gateCode, parseDuration, runGate, type GateOptions} from '../../source/core/automation/gate.ts';
import type {WindowRecord} from '../../source/core/automation/automation.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';

const INTERVAL_MS = 2000;

/** A Monitor wired to the lab as the CLI does, with short windows. */
function labMonitor(lab: Lab, dir: string, name: string): Monitor {
	// The analysis windows are driven by the gate; the Monitor's own timer is kept out of the way.
	const config = buildConfig([{pollIntervalMs: 500, windowSec: 4, analysisIntervalSec: 3600, sampleSize: 40, verifyTimeoutMs: 5000}]);
	return new Monitor({openState, splitSampler: httpSplitSampler, 
		config: {...config, urls: lab.urls, roles: lab.roles, upstream: lab.upstream, auditPath: join(dir, `${name}.jsonl`), stateDir: join(dir, `${name}-state`)},
		http: createHttpProbe(),
		logs: lab.logs,
		stats: lab.stats,
		proxy: lab.proxy,
		runtime: lab.runtime,
	});
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

test('gate against lab scenarios: good canary -> 0, no traffic -> 2, 20 % errors -> 1, 400 ms with --auto-rollback -> 1', async (t) => {
	// One lab (a 50/50 split for statistics), one fresh Monitor per scenario: each gate only
	// sees what happened while it watched.
	const dir = await mkdtemp(join(tmpdir(), 'gate-test-'));
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, split: {stable: 50, canary: 50}, rps: 60, canaryFaults: {}});
	const gate = async (name: string, options: Omit<GateOptions, 'intervalMs'>) => {
		const monitor = labMonitor(lab, dir, name);
		try {
			return {result: await runGate(monitor, {...options, intervalMs: INTERVAL_MS}), split: monitor.current().split.configured};
		} finally {
			await monitor.stop();
		}
	};
	try {
		await t.test('good canary -> 0, with the verdict table', async () => {
			const {result} = await gate('good', {forMs: 7000});
			assert.equal(result.code, 0, `${result.reason}\n${result.table}`);
			assert.equal(result.result, 'pass');
			assert.ok(result.verdicts.length >= 4);
			// A 4 s window is noisy (the cache check may WARN): pass means no failure, not all green.
			assert.ok(result.verdicts.some((w) => w.overall !== 'INCONCLUSIVE'), 'the canary was judged');
			assert.ok(result.verdicts.every((w) => w.failed.length === 0 && w.overall !== 'ROLL BACK'));
			assert.match(result.table, /^verdict: (READY TO PROMOTE|SOAKING|HOLD)/m);
			assert.match(result.table, /p95 latency/);
			assert.match(result.table, /GATE PASS \(exit 0\)/);
		});

		await t.test('no traffic -> 2', async () => {
			await lab.load.setRate(0);
			const {result} = await gate('idle', {forMs: 5000});
			assert.equal(result.code, 2, result.reason);
			assert.equal(result.verdicts.at(-1)!.overall, 'INCONCLUSIVE');
			assert.match(result.table, /GATE INCONCLUSIVE \(exit 2\)/);
		});

		await t.test('bad canary (20 % errors) -> 1', async () => {
			await lab.load.setRate(60);
			await lab.setFaults('canary', {errorRate: 0.2});
			const {result} = await gate('errors', {forMs: 5000});
			assert.equal(result.code, 1, result.reason);
			assert.ok(result.verdicts.at(-1)!.failed.includes('5xx'));
			assert.match(result.table, /GATE FAIL \(exit 1\)/);
		});

		await t.test('bad canary (400 ms) with --auto-rollback -> 1, rolled back, JSON output', async () => {
			await lab.setFaults('canary', {errorRate: 0, latencyMs: 400});
			const {result, split} = await gate('latency', {forMs: 9000, autoRollback: true, json: true});
			assert.equal(result.code, 1, result.reason);
			assert.ok(result.verdicts.some((w) => w.overall === 'ROLL BACK'));
			assert.equal(result.actions[0]?.kind, 'rollback');
			const json = JSON.parse(result.table) as {code: number; result: string; windows: unknown[]; actions: Array<{kind: string}>};
			assert.equal(json.code, 1);
			assert.equal(json.result, 'fail');
			assert.equal(json.windows.length, result.verdicts.length);
			assert.equal(json.actions[0].kind, 'rollback');
			assert.equal(split?.canary, 0, 'the canary was taken out of rotation');
		});
	} finally {
		await lab.stop();
		await rm(dir, {recursive: true, force: true});
	}
});
