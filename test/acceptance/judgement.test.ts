import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {Automation} from '../../source/core/automation/automation.ts';
import type {Faults} from '../../source/lab/faults.ts';
import {startMonitorLab, survivors} from '../helpers/monitor-lab.ts';

// The judgement against a lab as unkind as production: a canary whose health flaps, one that
// crash-loops (nginx failing over to stable hides it from the clients) and one killed for its
// memory each reach ROLL BACK within three analysis windows and trigger --auto-rollback; a
// healthy canary with a cold cache at 90/10 passes twenty windows without a warning.
// Short clocks: a 6 s window, a verdict every 2 s, polls every 500 ms.

const WINDOWS = {pollIntervalMs: 500, windowSec: 6, analysisIntervalSec: 2};

async function rollsBack(name: string, faults: Partial<Faults>, lab: {memLimit?: number} = {}): Promise<void> {
	const m = await startMonitorLab({lab: {split: {stable: 90, canary: 10}, canaryFaults: {}, ...lab}, config: WINDOWS, analysisTimer: false});
	const automation = new Automation(m.monitor, {autoRollback: true, intervalMs: WINDOWS.analysisIntervalSec * 1000});
	try {
		const {monitor, lab: labHandle} = m;
		assert.ok(await monitor.until((s) => s.split.configured !== null && s.engines.canary.figures !== null, 20_000), 'the lab is watched');
		automation.start();
		// A healthy start: nothing to roll back before the fault.
		assert.ok(await monitor.until(() => automation.history.length >= 2, 20_000));
		assert.ok(!automation.history.some((w) => w.overall === 'ROLL BACK'), `no ROLL BACK before the fault: ${automation.history.map((w) => w.reason).join(' | ')}`);
		await labHandle.setFaults('canary', faults);
		const faultAt = Date.now();
		const acted = await monitor.until(() => automation.actions.some((a) => a.kind === 'rollback'), 60_000);
		const after = automation.history.filter((w) => w.at >= faultAt);
		const first = after.findIndex((w) => w.overall === 'ROLL BACK');
		const story = after.map((w) => `${w.overall} [${w.failed.join(',')}] ${w.reason}`).join('\n  ');
		assert.ok(acted, `${name}: --auto-rollback acted; windows since the fault:\n  ${story}`);
		// The first window may end before the fault shows (a crash comes a moment after start):
		// the budget of three failed windows is spent by the fourth window after the fault at most.
		assert.ok(first >= 0 && first <= 3, `${name}: ROLL BACK at window ${first + 1} after the fault:\n  ${story}`);
		const rolled = after[first]!;
		// In the window that says ROLL BACK the rollback starts: the next change is the rollback.
		const action = automation.actions.find((a) => a.kind === 'rollback')!;
		assert.ok(action.at - rolled.at < 1000, `${name}: the rollback started in the window that said ROLL BACK (${action.at - rolled.at} ms later)`);
		console.log(`# ${name}: ROLL BACK in window ${first + 1} after the fault (${((rolled.at - faultAt) / 1000).toFixed(1)} s): ${rolled.reason}`);
		await automation.settled();
	} finally {
		await automation.stop();
		await m.stop();
	}
	assert.deepEqual(await survivors(m.pids), [], 'no lab process survives');
}

describe('judging an unkind canary on the lab', {concurrency: 1}, () => {
	it('a canary whose health flaps (every second) reaches ROLL BACK and is rolled back', async () => {
		await rollsBack('flapping health', {healthFlapSec: 1});
	});

	it('a crash-looping canary (nginx fails over to stable) reaches ROLL BACK and is rolled back', async () => {
		await rollsBack('crash loop', {crashLoop: {afterMs: 800, exitCode: 1}});
	});

	it('a canary killed for its memory again and again reaches ROLL BACK and is rolled back', async () => {
		await rollsBack('OOM kills', {memoryGrowthMbPerMin: 3600}, {memLimit: 160 * 1024 * 1024});
	});

	it('a healthy canary with a cold cache at 90/10 passes 20 windows without a WARN', async () => {
		const m = await startMonitorLab({lab: {split: {stable: 90, canary: 10}, canaryFaults: {}, rps: 100}, config: WINDOWS});
		try {
			const {monitor} = m;
			assert.ok(await monitor.until((s) => s.engines.canary.figures !== null && (s.engines.canary.figures.requests ?? 0) >= 50, 30_000), 'enough canary traffic to judge');
			const warned: string[] = [];
			const cache: string[] = [];
			for (let window = 0; window < 20; window++) {
				const before = monitor.current().verdictHistory.length;
				assert.ok(await monitor.until((s) => s.verdictHistory.length > before, 10_000), 'a window is recorded');
				const verdict = monitor.current().verdict!;
				for (const check of verdict.checks) if (check.state === 'WARN' || check.state === 'FAIL') warned.push(`window ${window + 1}: ${check.state} ${check.reason}`);
				cache.push(verdict.checks.find((c) => c.id === 'cache')!.reason);
			}
			assert.deepEqual(warned, [], `no check warned in 20 windows; cache: ${cache.at(-1)}`);
			console.log(`# cold cache at 90/10, 20 windows: ${cache.at(-1)}`);
		} finally {
			await m.stop();
		}
	});

	it('status during a +150 ms latency fault says ROLL BACK or HOLD with the p95 figures, not INCONCLUSIVE', async () => {
		const root = fileURLToPath(new URL('../..', import.meta.url));
		const args = ['--import', 'tsx', 'source/cli.tsx', 'status', '--json', '--demo', '--balancer', 'lab', '--rps', '100', '--window', '15', '--canary-faults', '{"latencyMs":150,"jitterMs":5,"errorMessage":null}'];
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile(process.execPath, args, {cwd: root, timeout: 90_000, env: {...process.env, NO_COLOR: '1'}}, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
		});
		const json = JSON.parse(stdout);
		assert.ok(['ROLL BACK', 'HOLD'].includes(json.verdict.overall), `${json.verdict.overall}: ${json.verdict.reason}`);
		const relative = json.verdict.checks.find((c: {id: string}) => c.id === 'p95-relative');
		assert.equal(relative.state, 'FAIL', relative.reason);
		assert.ok(relative.canary - relative.stable > 100, `p95 figures: stable ${relative.stable} ms, canary ${relative.canary} ms`);
		assert.match(json.verdict.reason, /p95/);
	});
});
