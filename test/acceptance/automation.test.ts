import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig, DEFAULT_CONFIG} from '../../source/config.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {startLab} from '../../source/lab/lab.ts';
import {Automation} from '../../source/core/automation/automation.ts';
import {createNotifier, type NotifyEvent} from '../../source/adapters/webhook.ts';
import type {ActionKind, ActionState, Notice} from '../../source/core/monitor/snapshot.ts';
import type {AutomatedMonitor, AutomationActions, AutomationSnapshot} from '../../source/core/automation/monitor-port.ts';
import type {CheckRow, Overall, Verdict} from '../../source/domain/figures.ts';
import type {Split} from '../../source/domain/upstream.ts';
import type {AuditEntry} from '../../source/core/change/audit.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import {waitUntil} from '../helpers/wait.ts';

// ---- a scripted Monitor: the verdicts and the weight flow are under the test's control ----

function verdict(overall: Overall, at: number, failUsed = 0): Verdict {
	const p95: CheckRow = {id: 'p95', label: 'p95 latency', stable: 10, canary: failUsed ? 400 : 20, unit: 'ms', threshold: '', windowSec: 60, n: 100, state: failUsed ? 'FAIL' : 'PASS', budget: {used: failUsed, of: 3}, reason: ''};
	return {overall, reason: `${overall.toLowerCase()} reason`, checks: [p95], at};
}

function fakeMonitor(options: {split?: Split; enteredAt?: number; soakMinutes?: number} = {}) {
	const clock = {now: 1_000_000};
	const script: Verdict[] = [];
	const calls: Array<{kind: string; automatic?: boolean; reason?: string}> = [];
	const notices: Array<{level: Notice['level']; text: string}> = [];
	const listeners = new Set<() => void>();
	const verdictHistory: Array<{at: number; overall: Overall}> = [];
	let configured: Split = options.split ?? {stable: 90, canary: 10};
	let enteredAt = options.enteredAt ?? clock.now;
	let action: ActionState = {phase: 'idle'};
	const config = {...DEFAULT_CONFIG, soakMinutes: options.soakMinutes ?? 0};
	const snapshot = (): AutomationSnapshot => ({
		split: {configured, configError: null, observed: null, sampledAt: null, sampling: false, fromMetrics: null},
		stage: {index: null, of: config.stages.length, enteredAt, soakMs: config.soakMinutes * 60_000},
		action,
		notices: notices.map((n) => ({at: clock.now, level: n.level, text: n.text})),
		verdictHistory: verdictHistory.slice(),
	});
	const next = (to: Split) => to;
	const actions: AutomationActions = {
		busy: false,
		get state() {
			return action;
		},
		async request(kind: ActionKind, _to?: Split, opts: {automatic?: boolean; reason?: string} = {}) {
			calls.push({kind, automatic: opts.automatic, reason: opts.reason});
			const to = kind === 'rollback' ? {stable: 100, canary: 0} : next({stable: 50, canary: 50});
			action = {phase: 'confirm', kind, from: configured, to, diff: [], automatic: opts.automatic ?? false};
			return action;
		},
		async confirm() {
			if (action.phase !== 'confirm') return null;
			const {kind, from, to} = action;
			calls.push({kind: 'confirm'});
			configured = to;
			enteredAt = clock.now;
			action = {phase: 'done', kind, from, to, steps: [], outcome: 'verified', message: 'observed as configured', restartOffered: false};
			return {outcome: 'verified', message: 'observed as configured'};
		},
	};
	const monitor: AutomatedMonitor = {
		config,
		actions,
		analyse() {
			const v = script.shift() ?? verdict('INCONCLUSIVE', clock.now);
			const stamped = {...v, at: clock.now};
			verdictHistory.push({at: stamped.at, overall: stamped.overall});
			return stamped;
		},
		current: snapshot,
		getSnapshot: snapshot,
		subscribe(listener: () => void) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		notice(level, text) {
			notices.push({level, text});
		},
	};
	return {
		monitor,
		clock,
		script,
		calls,
		notices,
		publish: () => listeners.forEach((l) => l()),
		foreignVerdict: () => verdictHistory.push({at: clock.now, overall: 'HOLD'}),
	};
}

async function windows(automation: Automation, fake: ReturnType<typeof fakeMonitor>, overalls: Array<[Overall, number?]>) {
	const records = [];
	for (const [overall, failUsed] of overalls) {
		fake.clock.now += 30_000;
		fake.script.push(verdict(overall, 0, failUsed ?? 0));
		records.push(await automation.tick());
		await automation.settled();
	}
	return records;
}

test('ROLL BACK with --auto-rollback: the b flow, automatic with its reason, announced, webhook sent, promotion held', async () => {
	const fake = fakeMonitor({split: {stable: 50, canary: 50}});
	const events: NotifyEvent[] = [];
	const automation = new Automation(fake.monitor, {now: () => fake.clock.now, autoRollback: true, autoPromote: true, notifier: {notify: (e) => events.push(e)}});
	automation.start({timer: false});
	await windows(automation, fake, [['READY TO PROMOTE'], ['HOLD', 1], ['HOLD', 2]]);
	assert.equal(fake.calls.length, 0, 'no action before the budget is spent');
	assert.equal(automation.state.consecutiveFails, 2);
	await windows(automation, fake, [['ROLL BACK', 3]]);
	assert.equal(fake.calls.length, 2);
	assert.equal(fake.calls[0].kind, 'rollback');
	assert.equal(fake.calls[0].automatic, true);
	assert.match(fake.calls[0].reason!, /^automatic rollback after 3 failed windows in a row: roll back reason/);
	assert.equal(fake.calls[1].kind, 'confirm');
	assert.ok(fake.notices.some((n) => n.level === 'error' && n.text.startsWith('AUTOMATIC ROLLBACK')));
	const state = automation.state;
	assert.equal(state.lastAction?.kind, 'rollback');
	assert.equal(state.lastAction?.outcome, 'verified');
	assert.match(state.promotionHeld ?? '', /automatic rollback/);
	// verdict-fail when a check first fails and again when the budget is spent.
	assert.deepEqual(events.map((e) => e.type), ['verdict-fail', 'verdict-fail', 'auto-rollback']);
	assert.deepEqual(events[2].details, {from: '50/50', to: '100/0', reason: fake.calls[0].reason});
	// The outcome and the new stage reach the webhooks through the published snapshot.
	fake.publish();
	await automation.stop();
	assert.deepEqual(events.map((e) => e.type).slice(3), ['stage-change', 'change-verified']);
	fake.publish();
	assert.equal(events.length, 5, 'each change is sent once');
});

test('without --auto-rollback a ROLL BACK verdict changes nothing; INCONCLUSIVE never acts', async () => {
	const fake = fakeMonitor({split: {stable: 50, canary: 50}});
	const events: NotifyEvent[] = [];
	const automation = new Automation(fake.monitor, {now: () => fake.clock.now, autoRollback: false, autoPromote: true, notifier: {notify: (e) => events.push(e)}});
	await windows(automation, fake, [['HOLD', 1], ['HOLD', 2], ['ROLL BACK', 3], ['ROLL BACK', 4], ['INCONCLUSIVE'], ['INCONCLUSIVE'], ['INCONCLUSIVE'], ['INCONCLUSIVE']]);
	assert.equal(fake.calls.length, 0);
	// verdict-fail on the turn to failing and on the turn to ROLL BACK, not on every window.
	assert.deepEqual(events.map((e) => e.type), ['verdict-fail', 'verdict-fail']);
	assert.equal(automation.history.length, 8);
});

test('soak schedule: --auto-promote waits for the soak AND K READY windows; INCONCLUSIVE resets the run', async () => {
	const fake = fakeMonitor({soakMinutes: 2});
	const automation = new Automation(fake.monitor, {now: () => fake.clock.now, autoPromote: true, promoteAfterWindows: 3});
	// 3 READY windows inside the soak (30 s each, soak 2 min): not yet.
	await windows(automation, fake, [['READY TO PROMOTE'], ['READY TO PROMOTE'], ['READY TO PROMOTE']]);
	assert.equal(fake.calls.length, 0);
	assert.equal(automation.state.soak.ready, false);
	assert.equal(automation.state.soak.remainingMs, 30_000);
	// Soak over, but an INCONCLUSIVE window breaks the run of K.
	await windows(automation, fake, [['INCONCLUSIVE'], ['READY TO PROMOTE'], ['READY TO PROMOTE']]);
	assert.equal(fake.calls.length, 0);
	assert.equal(automation.state.soak.ready, true);
	assert.equal(automation.state.readyToPromote, false);
	await windows(automation, fake, [['READY TO PROMOTE']]);
	assert.deepEqual(fake.calls.map((c) => c.kind), ['promote', 'confirm']);
	assert.match(fake.calls[0].reason!, /^automatic promotion: soaked 2 min at 90\/10, last 3 windows READY TO PROMOTE/);
	assert.equal(automation.state.lastAction?.kind, 'promote');
	// The new stage starts its own soak.
	assert.equal(automation.state.soak.remainingMs, 120_000);
});

test('without --auto-promote it says "ready to promote" once; per-stage soak overrides; never acts while a change runs', async () => {
	const fake = fakeMonitor({soakMinutes: 0});
	const automation = new Automation(fake.monitor, {now: () => fake.clock.now, promoteAfterWindows: 2, stageSoakMinutes: {'90/10': 1}});
	assert.equal(automation.state.soak.soakMs, 60_000);
	await windows(automation, fake, [['READY TO PROMOTE'], ['READY TO PROMOTE'], ['READY TO PROMOTE'], ['READY TO PROMOTE']]);
	assert.equal(fake.calls.length, 0);
	assert.equal(automation.state.readyToPromote, true);
	assert.equal(fake.notices.filter((n) => /^ready to promote from 90\/10/.test(n.text)).length, 1);

	const busy = fakeMonitor({split: {stable: 50, canary: 50}});
	(busy.monitor.actions as {busy: boolean}).busy = true;
	const auto = new Automation(busy.monitor, {now: () => busy.clock.now, autoRollback: true});
	await windows(auto, busy, [['ROLL BACK', 3]]);
	assert.equal(busy.calls.length, 0);
	(busy.monitor.actions as {busy: boolean}).busy = false;
	await windows(auto, busy, [['ROLL BACK', 4]]);
	assert.equal(busy.calls[0]?.kind, 'rollback', 'the next window acts once the change is over');
});

test('a second analysis timer is detected and announced (windows would count twice)', async () => {
	const fake = fakeMonitor();
	const automation = new Automation(fake.monitor, {now: () => fake.clock.now});
	await windows(automation, fake, [['HOLD']]);
	fake.clock.now += 1;
	fake.foreignVerdict();
	await windows(automation, fake, [['HOLD']]);
	assert.ok(fake.notices.some((n) => n.level === 'warn' && /recorded by two timers/.test(n.text)));
});

// ---- acceptance on the lab ----

test('lab with --auto-rollback: healthy for 20 windows -> no rollback; latency fault mid-run -> rollback after exactly the budget, audited, webhook received', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'automation-test-'));
	const received: Array<{event: string; text: string; from?: string; to?: string}> = [];
	const hook = createServer((request, response) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			received.push(JSON.parse(body));
			response.end();
		});
	});
	await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
	const notifier = createNotifier({urls: [`http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`], retries: 2, backoffMs: 100});
	// "Normal jitter": the canary is a little slower and noisier than stable, well inside the limits.
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, split: {stable: 50, canary: 50}, rps: 80, canaryFaults: {latencyMs: 5, jitterMs: 15}});
	const auditPath = join(dir, 'audit.jsonl');
	// Analysis is driven by the Automation (1 s windows); the Monitor's own timer stays out of the way.
	const config = buildConfig([{pollIntervalMs: 500, windowSec: 3, analysisIntervalSec: 3600, sampleSize: 40, verifyTimeoutMs: 5000}]);
	const monitor = new Monitor({openState, splitSampler: httpSplitSampler, 
		config: {...config, urls: lab.urls, roles: lab.roles, upstream: lab.upstream, auditPath, stateDir: join(dir, 'state')},
		http: createHttpProbe(),
		logs: lab.logs,
		stats: lab.stats,
		proxy: lab.proxy,
		runtime: lab.runtime,
	});
	const automation = new Automation(monitor, {autoRollback: true, intervalMs: 1000, notifier});
	const judged = () => `windows: ${automation.history.map((w) => `${w.overall}(${w.budgetUsed})`).join(' ')}`;
	try {
		monitor.start();
		automation.start();
		await waitUntil('a judged window', () => automation.history.some((w) => w.overall !== 'INCONCLUSIVE'), {timeoutMs: 15_000, everyMs: 50, detail: judged});
		const firstJudged = automation.history.findIndex((w) => w.overall !== 'INCONCLUSIVE');
		await waitUntil('20 judged windows', () => automation.history.length >= firstJudged + 20, {timeoutMs: 40_000, everyMs: 50, detail: judged});
		const healthy = automation.history.slice(firstJudged);
		assert.ok(healthy.every((w) => w.overall !== 'ROLL BACK'), healthy.map((w) => w.reason).join('\n'));
		// Judged, not merely INCONCLUSIVE: the absence of a rollback means something.
		assert.ok(healthy.filter((w) => w.overall !== 'INCONCLUSIVE').length >= 15, healthy.map((w) => `${w.overall}: ${w.reason}`).join('\n'));
		assert.equal(automation.actions.length, 0);
		assert.equal(monitor.current().split.configured?.canary, 50);

		// The fault, mid-run.
		const before = automation.history.length;
		await lab.setFaults('canary', {latencyMs: 400, jitterMs: 20});
		await waitUntil('the automatic rollback', () => automation.actions.length > 0, {timeoutMs: 20_000, everyMs: 50, detail: judged});
		await automation.settled();
		const action = automation.actions[0];
		assert.equal(action.kind, 'rollback');
		assert.equal(action.outcome, 'verified', action.message);
		// Exactly the budget: the window that acted is the third failed one in a row, the ones
		// before it were the first and second, and nothing acted earlier.
		const budget = monitor.config.thresholds.failureBudget;
		const acted = automation.history.findIndex((w) => w.overall === 'ROLL BACK');
		assert.ok(acted >= before);
		const run = automation.history.slice(acted - budget + 1, acted + 1);
		assert.deepEqual(run.map((w) => w.budgetUsed), [1, 2, 3]);
		assert.deepEqual(run.map((w) => w.overall), ['HOLD', 'HOLD', 'ROLL BACK']);
		assert.equal(automation.history[acted - budget].budgetUsed, 0, 'the run of failures started after a window without one');
		assert.ok(action.at >= automation.history[acted].at);
		assert.equal(automation.history.slice(acted + 1).filter((w) => w.overall === 'ROLL BACK').length, 0, 'one rollback, not one per window');
		assert.equal(monitor.current().split.configured?.canary, 0);
		assert.ok(monitor.current().notices.some((n) => n.level === 'error' && n.text.startsWith('AUTOMATIC ROLLBACK')));

		// Audited as automatic, with its reason.
		const audit = (await readFile(auditPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as AuditEntry);
		const done = audit.filter((entry) => entry.action === 'auto-rollback' && entry.outcome === 'verified');
		assert.equal(done.length, 1);
		assert.equal(done[0].automatic, true);
		assert.equal(done[0].from, '50/50');
		assert.equal(done[0].to, '100/0');
		assert.match(done[0].reason, /automatic rollback after 3 failed windows in a row: canary p95/);

		// And the webhook receiver got it.
		assert.equal(await notifier.flush(5000), true);
		const rollback = received.find((event) => event.event === 'auto-rollback');
		assert.ok(rollback, `events received: ${received.map((e) => e.event).join(', ')}`);
		assert.equal(rollback.from, '50/50');
		assert.equal(rollback.to, '100/0');
		await waitUntil('stage change and verification events', () => received.some((e) => e.event === 'change-verified') && received.some((e) => e.event === 'stage-change'), {timeoutMs: 3000, everyMs: 50, detail: judged});
		assert.ok(received.some((e) => e.event === 'verdict-fail'));
	} finally {
		await automation.stop();
		await monitor.stop();
		await notifier.close();
		await lab.stop();
		await new Promise<void>((resolve) => hook.close(() => resolve()));
		await rm(dir, {recursive: true, force: true});
	}
});
