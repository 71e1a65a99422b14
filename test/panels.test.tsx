import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {VerdictPanel} from '../source/ui/verdict-panel.tsx';
import {EngineCards} from '../source/ui/engine-cards.tsx';
import {Help} from '../source/ui/help.tsx';
import {PatternsPanel} from '../source/ui/patterns-panel.tsx';
import {ActionDialog} from '../source/ui/dialog.tsx';
import {KEYMAP} from '../source/keymap.ts';
import type {Verdict} from '../source/domain/figures.ts';
import type {EngineView} from '../source/core/monitor/snapshot.ts';
import type {PatternRow} from '../source/domain/error-diff.ts';

const strip = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');
const lines = (frame: string | undefined) => strip(frame ?? '').split('\n');

const verdict: Verdict = {
	overall: 'HOLD',
	reason: 'canary p95 412 ms > 300 ms over 60 s (N=118)',
	at: 0,
	checks: [
		{id: 'p95', label: 'p95 latency', stable: 38.2, canary: 412, unit: 'ms', threshold: 'warn > 200 ms, fail > 300 ms', windowSec: 60, n: 118, state: 'FAIL', budget: {used: 1, of: 3}, reason: 'canary p95 412 ms > 300 ms'},
		{id: '5xx', label: '5xx rate', stable: 0, canary: 0.05, unit: '%', threshold: 'warn > 0.1 %, fail > 0.5 %', windowSec: 60, n: 118, state: 'PASS', budget: {used: 0, of: 3}, reason: 'ok'},
		{id: 'memory', label: 'memory', stable: null, canary: null, unit: '%', threshold: 'fail > 80 %', windowSec: 60, n: null, state: 'NO DATA', budget: {used: 0, of: 3}, reason: 'no readings'},
	],
};

test('the verdict panel shows value, threshold, window, N, state and budget of every check', () => {
	const {lastFrame} = render(<VerdictPanel verdict={verdict} width={100} height={6} />);
	const out = lines(lastFrame());
	assert.equal(out.length, 6);
	const p95 = out.find((line) => line.startsWith('p95 latency'));
	assert.ok(p95, out.join('\n'));
	for (const part of ['38.2ms', '412ms', 'warn > 200 ms', '60s', '118', 'FAIL', '1/3']) assert.ok(p95.includes(part), `${part} in ${p95}`);
	const memory = out.find((line) => line.startsWith('memory'))!;
	assert.match(memory, /NO DATA/);
	assert.doesNotMatch(memory, /0\.0/, 'no data is never shown as 0');
	for (const line of out) assert.ok(line.length <= 100, `line too long: ${line}`);
});

const engine = (role: 'stable' | 'canary', overrides: Partial<EngineView> = {}): EngineView => ({
	role,
	url: `http://127.0.0.1:${role === 'stable' ? 9101 : 9102}`,
	probe: {state: 'ok', message: null, lastOkAt: 1000, failures: 0},
	health: {status: 'healthy', httpCode: 200, latencyMs: 3, version: role === 'stable' ? '1.1.0' : '1.2.0', queueDepth: 0, kernelsOk: true, cacheHitRate: 0.8, error: null},
	figures: {windowSec: 60, requests: 1080, rps: 18, errors5xx: 2, ratio5xx: 2 / 1080, latencyCount: 1080, p50: {seconds: 0.012, atLeast: false}, p95: {seconds: 0.041, atLeast: false}, p99: {seconds: 0.09, atLeast: false}, cacheHitRatio: 0.75, reset: false},
	resources: {memUsed: 64 * 1024 * 1024, memLimit: 512 * 1024 * 1024, cpuPercent: 4, startedAt: 0, restarts: 0},
	resourcesError: null,
	series: [],
	logs: {state: 'attached', message: null, dropped: 0},
	lifecycle: {exits: 0, ooms: 0, lastExit: null, state: 'running'},
	condition: 'healthy',
	...overrides,
});

test('engine cards show both engines side by side, and stale data says so with its age', () => {
	const stale = engine('canary', {probe: {state: 'refused', message: 'connection refused at 127.0.0.1:9102', lastOkAt: 1000, failures: 3}});
	const {lastFrame} = render(<EngineCards engines={{stable: engine('stable'), canary: stale}} width={120} now={31_000} />);
	const text = strip(lastFrame() ?? '');
	assert.match(text, /STABLE 1\.1\.0/);
	assert.match(text, /CANARY 1\.2\.0/);
	assert.match(text, /p95 41\.0ms/);
	assert.match(text, /req\/s 18\.0/);
	assert.match(text, /mem 64M\/512M 13%/);
	assert.match(text, /refused, data 30s old/);
	assert.match(text, /connection refused at 127\.0\.0\.1:9102/);
});

test('the help overlay lists every key of keymap.ts', () => {
	const {lastFrame} = render(<Help width={200} height={60} />);
	const text = strip(lastFrame() ?? '');
	for (const binding of KEYMAP) assert.ok(text.includes(binding.description), `help shows: ${binding.description}`);
});

test('error patterns show flags and per-1k rates; a template cannot smuggle escape codes', () => {
	const row: PatternRow = {
		id: 't1', template: 'upstream <*> timed out \u001B]0;pwned\u0007', level: 'ERROR', stableCount: 0, canaryCount: 6, stablePer1k: 0, canaryPer1k: 5.5,
		ratio: null, firstSeen: 0, lastSeen: 0, flag: 'NEW', upFactor: null, critical: false, verdict: 'WARN', example: '', exampleEngine: 'canary',
	};
	const {lastFrame} = render(<PatternsPanel rows={[row]} width={100} height={4} />);
	const frame = lastFrame() ?? '';
	assert.match(strip(frame), /NEW\s+0\s+6\s+0\.00\s+5\.50 upstream <\*> timed out/);
	assert.doesNotMatch(frame, /\u001B\]/);
	assert.doesNotMatch(frame, /\u0007/);
});

test('the confirm dialog shows the diff of the upstream block and how to answer', () => {
	const {lastFrame} = render(
		<ActionDialog
			action={{phase: 'confirm', kind: 'promote', from: {stable: 90, canary: 10}, to: {stable: 50, canary: 50}, diff: ['  upstream involution_engine {', '- server a weight=90;', '+ server a weight=50;'], automatic: false}}
			width={80}
			height={8}
		/>,
	);
	const text = strip(lastFrame() ?? '');
	assert.match(text, /confirm: promote 90\/10 -> 50\/50/);
	assert.match(text, /- server a weight=90;/);
	assert.match(text, /\+ server a weight=50;/);
	assert.match(text, /y \/ enter: apply/);
});

test('on a narrow screen the verdict keeps state and budget and lets the threshold go', () => {
	const {lastFrame} = render(<VerdictPanel verdict={verdict} width={56} height={6} />);
	const p95 = lines(lastFrame()).find((line) => line.startsWith('p95'))!;
	assert.match(p95, /FAIL\s+1\/3$/);
	assert.doesNotMatch(p95, /warn > 200/);
	assert.ok(p95.length <= 56, p95);
});

test('a crash-looping or OOM-killed canary is never "healthy" on its card, and its last exit shows', () => {
	const looping = engine('canary', {lifecycle: {exits: 3, ooms: 0, lastExit: {at: 0, code: 1, oom: false}, state: 'running'}, condition: 'crash loop'});
	const frame = render(<EngineCards engines={{stable: engine('stable'), canary: looping}} width={120} now={31_000} />).lastFrame() ?? '';
	const canaryStatus = lines(frame).find((line) => line.includes('canary '))!;
	assert.match(canaryStatus, /canary\s+crash loop/);
	assert.match(frame, /last exit 1/);
	const oom = engine('canary', {lifecycle: {exits: 1, ooms: 1, lastExit: {at: 0, code: 137, oom: true}, state: 'running'}, condition: 'OOM killed'});
	const frame2 = render(<EngineCards engines={{stable: engine('stable'), canary: oom}} width={120} now={31_000} />).lastFrame() ?? '';
	assert.match(frame2, /canary\s+OOM killed/);
	assert.match(frame2, /last exit 137 \(OOM\)/);
});

test('conditionOf: what the runtime did outranks what /healthz says', async () => {
	const {conditionOf} = await import('../source/core/monitor/verdict-input.ts');
	const w = (exits: number, ooms: number, state: 'running' | 'restarting' | null = 'running') => ({exits, ooms, lastExit: null, state});
	assert.equal(conditionOf(w(0, 0), 'healthy', 2), 'healthy');
	assert.equal(conditionOf(w(1, 0), 'healthy', 2), 'restarted');
	assert.equal(conditionOf(w(2, 0), 'healthy', 2), 'crash loop');
	assert.equal(conditionOf(w(1, 1), 'healthy', 2), 'OOM killed');
	assert.equal(conditionOf(w(0, 0, 'restarting'), 'healthy', 2), 'restarting');
});
