import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig} from '../source/config.ts';
import {startDemoRuntime} from '../source/runtime.ts';
import {emergencyCommand} from '../source/emergency-command.ts';
import {findRedisServer} from '../source/lab/lab-redis.ts';
import {writeReport} from '../source/adapters/files/report-file.ts';

// The guide's emergency procedures on a real lab: the canary is stopped only once 100/0 is
// VERIFIED, and every action lands in the audit log.

const auditLines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {action: string; outcome: string; reason: string; verification: {n: number; canary: number} | null});

test('emergency stop-canary refuses before 100/0 is verified and stops the canary after to-stable', async () => {
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-emergency-'));
	const runtime = await startDemoRuntime(buildConfig([{stateDir, sampleSize: 60}]), {balancer: 'lab', logRate: 0, rps: 5, ports: {balancer: 0, stable: 0, canary: 0}});
	const out: string[] = [];
	const _write = (text: string) => void out.push(text);
	try {
		await runtime.ready;
		const {monitor, guide} = runtime;
		monitor.start();
		await monitor.until((s) => s.split.configured !== null, 10_000);
		const {emergency} = guide;
		await emergency.refresh();

		// At 90/10 the menu disables it with the reason, and running it anyway is refused.
		const before = emergency.availability('stop-canary', monitor.current().split.configured);
		assert.equal(before.enabled, false);
		assert.match(before.enabled ? '' : before.reason, /upstream says 90\/10: send all traffic to stable first/);
		const refused = await emergency.run('stop-canary');
		assert.equal(refused.outcome, 'refused');
		assert.match(refused.message, /engine-canary not stopped: the upstream says 90\/10, not 100\/0/);
		await emergency.refresh();
		assert.equal(emergency.states.canary, 'running');

		const toStable = await emergency.run('to-stable');
		assert.equal(toStable.outcome, 'done', toStable.message);
		assert.deepEqual(monitor.current().split.configured, {stable: 100, canary: 0});

		const stopped = await emergency.run('stop-canary');
		assert.equal(stopped.outcome, 'done', stopped.message);
		assert.deepEqual(stopped.steps.map((step) => `${step.name} ${step.state}`), ['lock done', 'read done', 'check-seen done', 'verify done', 'stop done']);
		await emergency.refresh();
		assert.equal(emergency.states.canary, 'exited');

		const audit = auditLines(join(stateDir, 'audit.jsonl'));
		const mine = audit.filter((entry) => entry.reason.startsWith('emergency'));
		assert.deepEqual(mine.map((entry) => `${entry.action} ${entry.outcome}`), ['stop-canary refused', 'rollback started', 'rollback verified', 'stop-canary verified']);
		// The report's timeline reads the audit log: the stop is in it with its reason.
		const reportPath = join(stateDir, 'report.md');
		await writeReport({auditPath: join(stateDir, 'audit.jsonl'), verdictHistory: [], snapshot: monitor.current(), path: reportPath});
		assert.match(readFileSync(reportPath, 'utf8'), /\| stop-canary +\| .*emergency: engine-canary stopped after 100\/0 was verified/);
		assert.match(monitor.current().notices.at(-1)?.text ?? '', /^emergency stop-canary: done: engine-canary stopped/);
		const proof = mine.at(-1)!.verification!;
		assert.ok(proof.n >= 20 && proof.canary === 0, `the stop records the sample that proved 100/0: ${JSON.stringify(proof)}`);

		// The lab has a Redis when redis-server is installed: then it restarts, else the action says why not.
		const redis = emergency.availability('restart-redis', null);
		if (findRedisServer() === null) {
			assert.deepEqual(redis, {enabled: false, reason: 'no redis-canary in this deployment'});
		} else {
			assert.deepEqual(redis, {enabled: true});
			const restarted = await emergency.run('restart-redis');
			assert.equal(restarted.outcome, 'done', restarted.message);
			assert.deepEqual(auditLines(join(stateDir, 'audit.jsonl')).map((entry) => `${entry.action} ${entry.outcome}`).at(-1), 'restart-redis restored');
		}
	} finally {
		await runtime.monitor.stop().catch(() => {});
		await runtime.shutdown();
		rmSync(stateDir, {recursive: true, force: true});
	}
	assert.deepEqual(out, []);
});

test('emergency without an action or without --yes says what it would do and touches nothing', async () => {
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-emergency-'));
	const out: string[] = [];
	try {
		const first = await startDemoRuntime(buildConfig([{stateDir}]), {balancer: 'lab', logRate: 0, rps: 2, ports: {balancer: 0, stable: 0, canary: 0}});
		assert.equal(await emergencyCommand(first, {args: ['nuke'], json: false, yes: true, write: (t) => void out.push(t)}), 2);
		assert.match(out.join('\n'), /unknown action "nuke"; emergency needs one of:\n {2}to-stable/);
		out.length = 0;
		const second = await startDemoRuntime(buildConfig([{stateDir}]), {balancer: 'lab', logRate: 0, rps: 2, ports: {balancer: 0, stable: 0, canary: 0}});
		assert.equal(await emergencyCommand(second, {args: ['restart-nginx'], json: true, yes: false, write: (t) => void out.push(t)}), 3);
		const answer = JSON.parse(out.join('')) as {outcome: string; message: string};
		assert.equal(answer.outcome, 'refused');
		assert.match(answer.message, /restart-nginx needs --yes\. It would: Restart the lab's balancer: every connection through http:\/\/127\.0\.0\.1:\d+ is cut for a moment/);
	} finally {
		rmSync(stateDir, {recursive: true, force: true});
	}
});

test('a lab without Redis says so, and the emergency menu disables restart-redis with the reason', async () => {
	const runtime = await startDemoRuntime(buildConfig([]), {balancer: 'lab', logRate: 0, rps: 1, ports: {balancer: 0, stable: 0, canary: 0}, redis: false});
	try {
		await runtime.ready;
		assert.equal(runtime.guide.redis, null);
		assert.equal(runtime.guide.redisNote, 'no Redis in the lab (install redis-server to add one)');
		await runtime.guide.emergency.refresh();
		assert.deepEqual(runtime.guide.emergency.availability('restart-redis', null), {enabled: false, reason: 'no redis-canary in this deployment'});
		assert.ok(!runtime.monitor.current().verdict?.checks.some((row) => row.id === 'redis'), 'no Redis row to judge');
	} finally {
		await runtime.shutdown();
	}
});
