import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {HealthReading, WindowFigures} from '../source/domain/figures.ts';
import {DEFAULT_THRESHOLDS, EMPTY_BUDGET, evaluate, type BudgetState, type VerdictInput} from '../source/domain/verdict.ts';
import {summarizeHealth, type HealthProbe} from '../source/domain/health-window.ts';
import {LifecycleLog} from '../source/domain/lifecycle.ts';
import {binomialUpperTail, rateExcessP} from '../source/domain/proportions.ts';

// The verdict judged over the window: health of every probe, restarts and OOM kills, the
// traffic each engine served, exact tests on small counts, and a header that tells the truth.

const NOW = 1_700_000_000_000;

function win(o: Partial<WindowFigures> = {}): WindowFigures {
	const q = (ms: number) => ({seconds: ms / 1000, atLeast: false});
	return {windowSec: 60, requests: 1200, rps: 20, errors5xx: 0, ratio5xx: 0, latencyCount: 1200, p50: q(60), p95: q(120), p99: q(150), cacheHitRatio: 0.4, cacheOps: 1200, cacheOpsTotal: 50_000, reset: false, ...o};
}

const healthy: HealthReading = {status: 'healthy', httpCode: 200, latencyMs: 4, version: '1.1.0', queueDepth: 0, kernelsOk: true, cacheHitRate: 0.4, error: null};
const mem = {used: 200 * 1048576, limit: 1024 * 1048576};
const split = (stable: number, canary: number, since = NOW - 3_600_000) => ({split: {stable, canary}, since});

function input(canary: Partial<VerdictInput['canary']> = {}, extra: Partial<VerdictInput> = {}): VerdictInput {
	return {
		stable: {window: win({requests: 1080, latencyCount: 1080}), health: healthy, memory: mem, lifecycle: {exits: 0, ooms: 0, lastExit: null, state: 'running'}},
		canary: {window: win({requests: 120, latencyCount: 120}), health: healthy, memory: mem, lifecycle: {exits: 0, ooms: 0, lastExit: null, state: 'running'}, ...canary},
		errorPatterns: {newPatterns: [], critical: []},
		thresholds: {...DEFAULT_THRESHOLDS},
		now: NOW,
		configured: split(90, 10),
		soakRemainingMs: 0,
		...extra,
	};
}

const row = (i: VerdictInput, id: string, budget: BudgetState = EMPTY_BUDGET) => evaluate(i, budget).verdict.checks.find((r) => r.id === id)!;

/** Probes every 2 s over 60 s; `bad(t)` says which fail. */
function probes(bad: (second: number) => boolean): HealthProbe[] {
	const out: HealthProbe[] = [];
	for (let s = 0; s < 60; s += 2) out.push({at: NOW - 60_000 + s * 1000, status: bad(s) ? 'unhealthy' : 'healthy', httpCode: bad(s) ? 503 : 200});
	return out;
}

test('health: a canary flapping every 10 s FAILs although its last probe is healthy, and N is the probes', () => {
	const flapping = summarizeHealth(probes((s) => Math.floor(s / 10) % 2 === 1), NOW - 60_000, NOW);
	assert.equal(flapping.n, 30);
	assert.equal(flapping.failed, 15);
	assert.ok(flapping.flips >= 5);
	const r = row(input({healthWindow: flapping}), 'health');
	assert.equal(r.state, 'FAIL');
	assert.equal(r.n, 30);
	assert.match(r.reason, /unhealthy in 50 % of probes >= 20 %: 15 of 30 probes failed in 60 s, \d flips, longest 10 s/);
});

test('health: alternating probes cannot reset the failure budget: three windows of flapping reach ROLL BACK', () => {
	let budget = EMPTY_BUDGET;
	const flapping = summarizeHealth(probes((s) => s % 4 === 0), NOW - 60_000, NOW);
	let overall = '';
	for (let w = 0; w < 3; w++) {
		const result = evaluate(input({healthWindow: flapping}), budget);
		budget = result.budget;
		overall = result.verdict.overall;
	}
	assert.equal(overall, 'ROLL BACK');
});

test('health: one failed probe in 30 WARNs, none PASSes', () => {
	assert.equal(row(input({healthWindow: summarizeHealth(probes((s) => s === 20), NOW - 60_000, NOW)}), 'health').state, 'WARN');
	assert.equal(row(input({healthWindow: summarizeHealth(probes(() => false), NOW - 60_000, NOW)}), 'health').state, 'PASS');
});

test('restarts: one exit WARNs, two FAIL as a crash loop, an OOM kill FAILs, and cards of stable do not count', () => {
	const once = input({lifecycle: {exits: 1, ooms: 0, lastExit: {at: NOW - 5000, code: 1, oom: false}, state: 'running'}});
	assert.equal(row(once, 'restarts').state, 'WARN');
	const loop = input({lifecycle: {exits: 3, ooms: 0, lastExit: {at: NOW - 5000, code: 1, oom: false}, state: 'restarting'}});
	const r = row(loop, 'restarts');
	assert.equal(r.state, 'FAIL');
	assert.match(r.reason, /exited 3 times in 60 s >= 2: crash loop; last exit \d\d:\d\d:\d\d code 1/);
	const oom = input({lifecycle: {exits: 1, ooms: 1, lastExit: {at: NOW - 5000, code: 137, oom: true}, state: 'running'}});
	assert.equal(row(oom, 'restarts').state, 'FAIL');
	assert.equal(row(oom, 'memory').state, 'FAIL');
	const stableLoop = input();
	stableLoop.stable.lifecycle = {exits: 4, ooms: 0, lastExit: null, state: 'running'};
	assert.equal(row(stableLoop, 'restarts').state, 'PASS');
});

test('restarts: a crash-looping canary with no metrics is ROLL BACK after the budget, never INCONCLUSIVE', () => {
	let budget = EMPTY_BUDGET;
	const overalls: string[] = [];
	for (let w = 0; w < 3; w++) {
		const result = evaluate(input({window: null, lifecycle: {exits: 3, ooms: 0, lastExit: {at: NOW, code: 1, oom: false}, state: 'restarting'}}), budget);
		budget = result.budget;
		overalls.push(result.verdict.overall);
	}
	assert.deepEqual(overalls, ['HOLD', 'HOLD', 'ROLL BACK']);
});

test('memory: the peak of the window is judged, so the OOM kill that resets the figure does not erase the FAIL', () => {
	const r = row(input({memory: {used: 50, limit: 1000}, memoryPeakPct: 91}), 'memory');
	assert.equal(r.state, 'FAIL');
	assert.match(r.reason, /memory peaked at 91 % of .* > 80 % \(now 5 %\)/);
});

test('lifecycle log: events and readings of one exit count once; a missed event is caught from the restart counter', () => {
	const log = new LifecycleLog();
	log.reading(NOW - 30_000, 0, 'running', 0, false);
	log.event('oom', NOW - 20_000);
	log.event('die', NOW - 19_990, 137);
	log.event('start', NOW - 19_000);
	log.reading(NOW - 18_000, 1, 'running', 137, false);
	assert.deepEqual({...log.window(NOW - 60_000, NOW), lastExit: null}, {exits: 1, ooms: 1, lastExit: null, state: 'running'});
	assert.equal(log.window(NOW - 60_000, NOW).lastExit?.code, 137);
	// Two restarts whose events never came: the counter says so.
	log.reading(NOW - 2000, 3, 'running', 1, false);
	assert.equal(log.window(NOW - 60_000, NOW).exits, 3);
	assert.equal(log.window(NOW - 10_000, NOW).exits, 2);
	// A recreated container starts its counter at 0 again: no exits invented.
	log.reading(NOW - 1000, 0, 'running', 0, false);
	log.reading(NOW, 0, 'running', 0, false);
	assert.equal(log.window(NOW - 60_000, NOW).exits, 3);
});

test('traffic share: nginx failing over to stable FAILs with both numbers and the interval; a fair 10 % passes', () => {
	const failover = input({window: win({requests: 2, latencyCount: 2})});
	failover.stable.window = win({requests: 1198, latencyCount: 1198});
	const r = row(failover, 'traffic');
	assert.equal(r.state, 'FAIL');
	assert.match(r.reason, /canary served 0\.17 % \(0\.0\d-\d\.\d+ %, 99\.9 %\) of 1200 requests, configured 10 %: far below its share/);
	assert.equal(row(input(), 'traffic').state, 'PASS');
	// 7 % at 90/10 is low, but within chance and within half the share: no alarm.
	const low = input({window: win({requests: 70, latencyCount: 70})});
	low.stable.window = win({requests: 930, latencyCount: 930});
	assert.equal(row(low, 'traffic').state, 'PASS');
	const above = input({window: win({requests: 600, latencyCount: 600})});
	above.stable.window = win({requests: 600, latencyCount: 600});
	assert.match(row(above, 'traffic').reason, /far above its share/);
});

test('traffic share: right after a change the window mixes two splits and is not judged', () => {
	const r = row(input({}, {configured: split(50, 50, NOW - 20_000)}), 'traffic');
	assert.equal(r.state, 'NO DATA');
	assert.match(r.reason, /the split changed 20 s ago/);
});

test('exact tests: one 5xx in about 100 canary requests fails no check', () => {
	const one = input({window: win({requests: 100, latencyCount: 100, errors5xx: 1, ratio5xx: 0.01})});
	one.stable.window = win({requests: 900, latencyCount: 900});
	const {verdict} = evaluate(one, EMPTY_BUDGET);
	assert.deepEqual(verdict.checks.filter((r) => r.state === 'FAIL').map((r) => r.id), []);
	assert.equal(verdict.checks.find((r) => r.id === '5xx')!.state, 'WARN');
	assert.equal(verdict.checks.find((r) => r.id === '5xx-relative')!.state, 'PASS');
	// Eight 5xx in 100 against none in 900 is no accident: both fail.
	const eight = input({window: win({requests: 100, latencyCount: 100, errors5xx: 8, ratio5xx: 0.08})});
	eight.stable.window = win({requests: 900, latencyCount: 900});
	assert.equal(row(eight, '5xx').state, 'FAIL');
	assert.equal(row(eight, '5xx-relative').state, 'FAIL');
});

test('exact binomial tail: known values, and one event out of one is never significant', () => {
	assert.ok(Math.abs(binomialUpperTail(3, 3, 0.1) - 0.001) < 1e-12);
	assert.ok(Math.abs(binomialUpperTail(10, 10, 0.5) - 0.0009765625) < 1e-12);
	assert.ok(Math.abs(binomialUpperTail(50, 100, 0.5) - 0.5397946186935898) < 1e-9);
	assert.equal(binomialUpperTail(0, 5, 0.3), 1);
	assert.ok(Math.abs(rateExcessP(1, 0, 100, 900)! - 0.1) < 1e-12);
	assert.equal(rateExcessP(1, 0, 0, 900), null);
});

test('cache: a cold canary at 90/10 is not warned while it warms up; a warm one 15 points lower is', () => {
	const cold = input({window: win({requests: 120, latencyCount: 120, cacheHitRatio: 0.1, cacheOps: 120, cacheOpsTotal: 640})});
	const r = row(cold, 'cache');
	assert.equal(r.state, 'NO DATA');
	assert.match(r.reason, /warming up: 640 of 2000 lookups/);
	const warm = input({window: win({requests: 1200, latencyCount: 1200, cacheHitRatio: 0.25, cacheOps: 1200, cacheOpsTotal: 9000})});
	assert.equal(row(warm, 'cache').state, 'WARN');
});

test('header: checks pass during the soak say SOAKING with the time to go; READY TO PROMOTE only once soaked', () => {
	const soaking = evaluate(input({}, {soakRemainingMs: 110 * 60_000}), EMPTY_BUDGET).verdict;
	assert.equal(soaking.overall, 'SOAKING');
	assert.match(soaking.reason, /^checks pass, soak 1h50m to go/);
	assert.equal(evaluate(input(), EMPTY_BUDGET).verdict.overall, 'READY TO PROMOTE');
});

test('header: at 100/0 the verdict is ROLLED BACK, canary traffic checks say so, no budget is spent', () => {
	const failing = input({window: win({requests: 0, latencyCount: 0, p95: null}), lifecycle: {exits: 3, ooms: 0, lastExit: null, state: 'restarting'}}, {configured: split(100, 0)});
	const {verdict, budget} = evaluate(failing, {failed: {restarts: 2}});
	assert.equal(verdict.overall, 'ROLLED BACK');
	assert.match(verdict.checks.find((r) => r.id === 'p95')!.reason, /no canary traffic: 100\/0/);
	assert.deepEqual(budget, {failed: {}});
});

test('no traffic at all in the window: INCONCLUSIVE, even with a pattern warning', () => {
	const quiet = input({window: win({requests: 0, latencyCount: 0, p95: null})}, {errorPatterns: {newPatterns: [{template: 'x', canaryPer1k: 5}], critical: []}});
	quiet.stable.window = win({requests: 0, latencyCount: 0, p95: null});
	const {verdict} = evaluate(quiet, EMPTY_BUDGET);
	assert.equal(verdict.overall, 'INCONCLUSIVE');
	assert.match(verdict.reason, /no traffic in the last 60 s/);
});

test('a preview between windows never says ROLL BACK: only the window that acts on it does', () => {
	const slow = input({window: win({requests: 120, latencyCount: 120, p95: {seconds: 0.5, atLeast: false}})});
	const budget: BudgetState = {failed: {p95: 2}};
	assert.equal(evaluate(slow, budget, false).verdict.overall, 'HOLD');
	assert.equal(evaluate(slow, budget).verdict.overall, 'ROLL BACK');
});
