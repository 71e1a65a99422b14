import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {HealthReading, WindowFigures} from '../source/domain/figures.ts';
import {DEFAULT_THRESHOLDS, EMPTY_BUDGET, evaluate, type BudgetState, type VerdictInput} from '../source/domain/verdict.ts';

function win(o: Partial<WindowFigures> & {p95ms?: number | null} = {}): WindowFigures {
	const {p95ms = 120, ...rest} = o;
	const q = (s: number | null) => (s === null ? null : {seconds: s / 1000, atLeast: false});
	return {
		windowSec: 60,
		requests: 1200,
		rps: 20,
		errors5xx: 0,
		ratio5xx: 0,
		latencyCount: 1200,
		p50: q(p95ms === null ? null : p95ms / 2),
		p95: q(p95ms),
		p99: q(p95ms === null ? null : p95ms * 1.2),
		cacheHitRatio: 0.4,
		reset: false,
		...rest,
	};
}

const healthy: HealthReading = {status: 'healthy', httpCode: 200, latencyMs: 4, version: '1.1.0', queueDepth: 0, kernelsOk: true, cacheHitRate: 0.4, error: null};
const mem = {used: 200 * 1048576, limit: 1024 * 1048576};

function input(canary: Partial<VerdictInput['canary']> = {}, extra: Partial<VerdictInput> = {}): VerdictInput {
	return {
		stable: {window: win(), health: healthy, memory: mem},
		canary: {window: win(), health: healthy, memory: mem, ...canary},
		errorPatterns: {newPatterns: [], critical: []},
		thresholds: {...DEFAULT_THRESHOLDS},
		now: 1_700_000_000_000,
		...extra,
	};
}

const errors5xx = (pct: number, n = 1200) => win({requests: n, errors5xx: Math.round((n * pct) / 100), ratio5xx: Math.round((n * pct) / 100) / n});

const cases: Array<{name: string; in: VerdictInput; overall: string; states: Record<string, string>; reason?: RegExp}> = [
	{name: 'healthy canary', in: input(), overall: 'READY TO PROMOTE', states: {p95: 'PASS', 'p95-relative': 'PASS', '5xx': 'PASS', '5xx-relative': 'PASS', memory: 'PASS', health: 'PASS', cache: 'PASS', errors: 'PASS'}, reason: /all checks pass over 60 s \(canary N=1200\)/},
	{name: 'slow canary (+300 ms)', in: input({window: win({p95ms: 412, latencyCount: 118, requests: 118})}), overall: 'HOLD', states: {p95: 'FAIL', 'p95-relative': 'FAIL'}, reason: /^canary p95 412 ms > 300 ms over 60 s \(N=118\); failure 1 of 3$/},
	{name: 'canary +150 ms still under 300 fails relative', in: input({window: win({p95ms: 270})}), overall: 'HOLD', states: {p95: 'WARN', 'p95-relative': 'FAIL'}, reason: /vs stable 120 ms: \+150 ms \(\+125 %\) > \+50 % and \+100 ms/},
	{name: 'mildly slower canary warns', in: input({window: win({p95ms: 160})}), overall: 'HOLD', states: {p95: 'PASS', 'p95-relative': 'WARN'}},
	{name: 'jitter within 20 % passes', in: input({window: win({p95ms: 140})}), overall: 'READY TO PROMOTE', states: {'p95-relative': 'PASS'}},
	{name: '2 % 5xx', in: input({window: errors5xx(2)}), overall: 'HOLD', states: {'5xx': 'FAIL', '5xx-relative': 'FAIL'}, reason: /^canary 5xx 2\.0 % \(24 of 1200\) > 0\.5 % over 60 s \(N=1200\)/},
	{name: '0.25 % 5xx warns', in: input({window: errors5xx(0.25)}), overall: 'HOLD', states: {'5xx': 'WARN'}},
	{name: 'no traffic', in: input({window: win({requests: 0, rps: 0, ratio5xx: null, latencyCount: 0, p95ms: null, cacheHitRatio: null})}), overall: 'INCONCLUSIVE', states: {p95: 'NO DATA', 'p95-relative': 'NO DATA', '5xx': 'NO DATA', '5xx-relative': 'NO DATA', cache: 'NO DATA'}, reason: /^too little data: canary N=0 in 60 s, need 50/},
	{name: 'too few requests', in: input({window: win({requests: 12, latencyCount: 12, p95ms: 900})}), overall: 'INCONCLUSIVE', states: {p95: 'NO DATA', '5xx': 'NO DATA'}},
	{name: 'no window at all', in: input({window: null}), overall: 'INCONCLUSIVE', states: {p95: 'NO DATA'}, reason: /no \/metrics window for canary/},
	{name: 'canary unhealthy', in: input({health: {...healthy, status: 'unhealthy', httpCode: 503, error: 'kernel bundle missing'}}), overall: 'HOLD', states: {health: 'FAIL'}, reason: /canary unhealthy \(HTTP 503\): kernel bundle missing/},
	{name: 'canary degraded', in: input({health: {...healthy, status: 'degraded'}}), overall: 'HOLD', states: {health: 'WARN'}},
	{name: 'memory over 80 %', in: input({memory: {used: 850, limit: 1000}}), overall: 'HOLD', states: {memory: 'FAIL'}, reason: /canary memory 85 %/},
	{name: 'cache 15 points below stable', in: input({window: win({cacheHitRatio: 0.25})}), overall: 'HOLD', states: {cache: 'WARN'}, reason: /15\.0 points lower > 5/},
	{name: 'new error pattern', in: input({}, {errorPatterns: {newPatterns: [{template: 'KeyError <*>', canaryPer1k: 4}, {template: 'rare', canaryPer1k: 0.2}], critical: []}}), overall: 'HOLD', states: {errors: 'WARN'}, reason: /1 new error pattern in canary, top "KeyError <\*>" at 4\.0 per 1k/},
	{name: 'critical error pattern', in: input({}, {errorPatterns: {newPatterns: [], critical: [{template: 'Segmentation fault\n\u001b[31m'}]}}), overall: 'HOLD', states: {errors: 'FAIL'}, reason: /critical error pattern in canary: "Segmentation fault \[31m"/},
	{name: 'stable without traffic: relative checks NO DATA, verdict still judged', in: {...input(), stable: {window: null, health: healthy, memory: mem}}, overall: 'READY TO PROMOTE', states: {'p95-relative': 'NO DATA', '5xx-relative': 'NO DATA', p95: 'PASS'}, reason: /no data: p95 vs stable, 5xx vs stable, restarts, traffic share$/},
];

for (const c of cases) {
	test(`verdict: ${c.name}`, () => {
		const {verdict} = evaluate(c.in, EMPTY_BUDGET);
		const states = Object.fromEntries(verdict.checks.map((r) => [r.id, r.state]));
		for (const [id, state] of Object.entries(c.states)) assert.equal(states[id], state, `${id}: ${verdict.checks.find((r) => r.id === id)?.reason}`);
		assert.equal(verdict.overall, c.overall, verdict.reason);
		if (c.reason) assert.match(verdict.reason, c.reason);
		assert.equal(verdict.at, c.in.now);
		for (const row of verdict.checks) {
			assert.equal(row.windowSec, 60);
			assert.ok(row.threshold.length > 0 && row.reason.length > 0 && !row.reason.includes('\n'), row.id);
			assert.equal(row.budget.of, 3);
			if (row.state === 'NO DATA' && ['p95', '5xx'].includes(row.id)) assert.equal(row.canary, null);
		}
	});
}

test('every check row carries value, threshold, window and N', () => {
	const {verdict} = evaluate(input({window: win({p95ms: 412, latencyCount: 118, requests: 118})}), EMPTY_BUDGET);
	const p95 = verdict.checks.find((r) => r.id === 'p95')!;
	assert.deepEqual({stable: p95.stable, canary: p95.canary, unit: p95.unit, threshold: p95.threshold, windowSec: p95.windowSec, n: p95.n}, {stable: 120, canary: 412, unit: 'ms', threshold: 'warn > 200 ms, fail > 300 ms', windowSec: 60, n: 118});
	assert.deepEqual(
		verdict.checks.map((r) => r.id),
		['p95', 'p95-relative', '5xx', '5xx-relative', 'memory', 'health', 'restarts', 'traffic', 'errors', 'cache'],
	);
});

test('failure budget: 1 of 3, 2 of 3, ROLL BACK on the 3rd consecutive failed window, reset after a pass', () => {
	const slow = input({window: win({p95ms: 450})});
	let budget: BudgetState = EMPTY_BUDGET;
	const seen: string[] = [];
	for (const step of [slow, slow, slow, input(), slow]) {
		const result = evaluate(step, budget);
		budget = result.budget;
		const row = result.verdict.checks.find((r) => r.id === 'p95')!;
		seen.push(`${result.verdict.overall} ${row.budget.used}/${row.budget.of}`);
	}
	assert.deepEqual(seen, ['HOLD 1/3', 'HOLD 2/3', 'ROLL BACK 3/3', 'READY TO PROMOTE 0/3', 'HOLD 1/3']);
});

test('failure budget: NO DATA neither counts nor resets; WARN resets', () => {
	const slow = input({window: win({p95ms: 450})});
	const quiet = input({window: win({requests: 0, latencyCount: 0, p95ms: null, ratio5xx: null})});
	const warm = input({window: win({p95ms: 250})});
	let budget: BudgetState = EMPTY_BUDGET;
	const used: number[] = [];
	for (const step of [slow, quiet, slow, warm, slow]) {
		const result = evaluate(step, budget);
		budget = result.budget;
		used.push(result.verdict.checks.find((r) => r.id === 'p95')!.budget.used);
	}
	assert.deepEqual(used, [1, 1, 2, 0, 1]);
	const last = evaluate(slow, evaluate(slow, budget).budget);
	assert.equal(last.verdict.overall, 'ROLL BACK');
	assert.match(last.verdict.reason, /failed 3 of 3 windows in a row$/);
});

test('5xx relative test needs a minimum sample on both sides', () => {
	const few = input({window: win({requests: 40, latencyCount: 40, errors5xx: 0, ratio5xx: 0})});
	const row = evaluate(few, EMPTY_BUDGET).verdict.checks.find((r) => r.id === '5xx-relative')!;
	assert.equal(row.state, 'NO DATA');
	assert.match(row.reason, /need 50 each/);
});

test('thresholds come from the input', () => {
	const strict = input({window: win({p95ms: 150})}, {thresholds: {...DEFAULT_THRESHOLDS, p95WarnMs: 100, p95FailMs: 140, failureBudget: 1}});
	const {verdict} = evaluate(strict, EMPTY_BUDGET);
	assert.equal(verdict.overall, 'ROLL BACK');
	assert.match(verdict.reason, /canary p95 150 ms > 140 ms/);
});

test('a cache hit rate drop must beat chance: 10 points on 40 lookups is noise, on 4,000 it is a warning', () => {
	const small = evaluate(
		input({window: win({cacheHitRatio: 0.5, cacheOps: 40, requests: 60})}, {stable: {window: win({cacheHitRatio: 0.6, cacheOps: 100}), health: healthy, memory: mem}}),
		EMPTY_BUDGET,
	).verdict.checks.find((row) => row.id === 'cache')!;
	assert.equal(small.state, 'PASS');
	assert.match(small.reason, /within chance/);
	const large = evaluate(
		input({window: win({cacheHitRatio: 0.5, cacheOps: 4000})}, {stable: {window: win({cacheHitRatio: 0.6, cacheOps: 10_000}), health: healthy, memory: mem}}),
		EMPTY_BUDGET,
	).verdict.checks.find((row) => row.id === 'cache')!;
	assert.equal(large.state, 'WARN');
	assert.match(large.reason, /10\.0 points lower > 5/);
});
