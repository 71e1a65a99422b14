import {test} from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import {History, HISTORY_BYTES_PER_HOUR, HISTORY_PATTERNS, type HistoryFrame} from '../source/core/monitor/history.ts';
import type {PatternRow} from '../source/domain/error-diff.ts';
import type {ReplicaCard} from '../source/core/monitor/snapshot.ts';
import {initialViewState, viewReducer} from '../source/state/view-state.ts';
import {openLogsAt} from '../source/ui/history-keys.ts';
import type {StoredEvent} from '../source/core/monitor/log-store.ts';
import type {ViewAction} from '../source/state/view-state.ts';
import {startClockedDeployment} from './helpers/clocked-deployment.ts';

// The history: which frame a moment shows, its fixed bound over any run time, its size in
// bytes for an hour, and the keys that step through it.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const T0 = Date.parse('2026-03-02T11:00:00Z');

/** A real frame: a Monitor on a moved clock, polled through a few windows and verdicts. */
async function realFrame(): Promise<HistoryFrame> {
	const d = startClockedDeployment();
	for (let i = 0; i < 40; i++) await d.advance(2000);
	const frame = d.monitor.history.at(d.now());
	await d.monitor.stop();
	assert.ok(frame?.verdict && frame.verdict.checks.length >= 8, 'the frame holds a full verdict table');
	return frame;
}

/** An error pattern as a busy engine logs it: a long template and a 16 KB example line. */
const pattern = (index: number): PatternRow => ({
	id: `t${index}`,
	template: `Request rejected: <*> - ${'Date outside ephemeris range '.repeat(30)} #${index}`,
	level: 'ERROR',
	stableCount: 1000 + index,
	canaryCount: 90 + index,
	stablePer1k: 31,
	canaryPer1k: 54,
	ratio: 1.7,
	firstSeen: T0,
	lastSeen: T0,
	flag: 'SAME',
	upFactor: null,
	critical: false,
	verdict: null,
	example: `{"level":"ERROR","message":"${'x'.repeat(16 * 1024)}"}`,
	exampleEngine: 'canary',
});

test('a moment shows the newest frame at or before it; before the first there is none', () => {
	const history = new History(60, 2000);
	assert.equal(history.at(T0), null);
	assert.equal(history.oldest, null);
	const frame = (at: number) => ({at, engines: {stable: {role: 'stable', series: [{at}]}, canary: {role: 'canary', series: []}}, split: {}, verdict: null, patterns: [], stage: {}, automation: null}) as never;
	for (let at = T0; at <= T0 + 10_000; at += 2000) history.record(frame(at));
	assert.equal(history.at(T0 - 1), null);
	assert.equal(history.at(T0)!.at, T0);
	assert.equal(history.at(T0 + 3999)!.at, T0 + 2000);
	assert.equal(history.at(T0 + 60_000)!.at, T0 + 10_000);
	assert.deepEqual(history.at(T0)!.engines.stable.series, [], 'a frame keeps no chart series');
	// A second reading of the same poll (a verdict counted after it) replaces the poll's frame.
	history.record(frame(T0 + 10_500));
	assert.equal(history.length, 6);
	assert.equal(history.newest, T0 + 10_500);
});

test('a frame gives back each replica card as recorded: figures, missing figures (null), words; a NaN figure stays as it was', () => {
	const history = new History(60, 2000);
	const cards = (poll: number): ReplicaCard[] => [
		{...replicaCard('C1', poll), outlier: 'p95 +150 ms above its siblings'},
		{id: 'C2', requests: null, p95Ms: null, ratio5xx: null, memPercent: null, restarts: null, health: 'unknown', problem: 'refused', outlier: null},
	];
	const frame = (at: number, replicas: ReplicaCard[]) =>
		({at, engines: {stable: {role: 'stable', series: []}, canary: {role: 'canary', series: [{at}], replicas}}, split: {}, verdict: null, patterns: [], stage: {}, automation: null}) as never;
	history.record(frame(T0, cards(0)));
	history.record(frame(T0 + 2000, cards(1)));
	const odd = [{...replicaCard('C1', 2), p95Ms: Number.NaN}];
	history.record(frame(T0 + 4000, odd));
	assert.deepEqual(history.at(T0)!.engines.canary.replicas, cards(0));
	assert.deepEqual(history.at(T0 + 2000)!.engines.canary.replicas, cards(1));
	assert.deepEqual(history.at(T0 + 2000)!.engines.canary.series, [], 'no chart series');
	assert.equal(history.at(T0 + 2000)!.engines.stable.replicas, undefined, 'a role without replicas has no cards');
	assert.deepEqual(history.at(T0 + 4000)!.engines.canary.replicas, odd);
	assert.equal(history.at(T0 + 2000), history.at(T0 + 2500), 'the same moment asked again is the same frame');
});

test('the ring holds one hour however long the console runs', () => {
	const history = new History(60, 2000);
	const frame = (at: number) => ({at, engines: {stable: {role: 'stable'}, canary: {role: 'canary'}}, split: {}, verdict: null, patterns: [], stage: {}, automation: null}) as never;
	for (let at = T0; at <= T0 + 3 * 3_600_000; at += 2000) history.record(frame(at));
	assert.equal(history.capacity, 1801);
	assert.equal(history.length, history.capacity);
	assert.equal(history.newest! - history.oldest!, 3_600_000);
});

/** What an hour of frames retains, each with new figures, verdict and patterns as at 10,000 lines/s; with `replicas` per role, each replica's card changes every poll too. */
async function hourRetained(replicas: number): Promise<number> {
	const base = await realFrame();
	const rows = Array.from({length: 25}, (_, index) => pattern(index));
	gc();
	const before = process.memoryUsage().heapUsed;
	const history = new History(60, 2000);
	// Two hours of polls into an hour's ring: the bound is what stays, not what passed through.
	for (let poll = 0; poll < 3600; poll++) {
		// Every poll brings new objects and new strings (a structured clone), as the Monitor's do,
		// and every figure, verdict value and reason changes, as at 10,000 lines/s; the patterns
		// are new rows of the same templates with new counts, as the drain gives them.
		const frame = structuredClone({...base, patterns: []});
		frame.at = T0 + poll * 2000;
		for (const role of ['stable', 'canary'] as const) {
			const engine = frame.engines[role];
			engine.figures = engine.figures && {...engine.figures, rps: 10_000 + poll, requests: 600_000 + poll, p95: {seconds: 0.05 + poll / 1e6, overflow: false} as never};
			engine.resources = engine.resources && {...engine.resources, memUsed: engine.resources.memUsed + poll, cpuPercent: 40 + (poll % 7)};
			engine.probe = {...engine.probe, lastOkAt: frame.at};
			engine.logs = {...engine.logs, dropped: poll * 20_000};
			if (replicas > 0) engine.replicas = Array.from({length: replicas}, (_, index) => replicaCard(`${role === 'stable' ? 'S' : 'C'}${index + 1}`, poll + index));
		}
		const verdict = frame.verdict!;
		frame.verdict = {...verdict, at: frame.at, reason: `${verdict.reason} ${poll}`, checks: verdict.checks.map((check) => ({...check, canary: (check.canary ?? 0) + poll, n: poll, reason: `${check.reason} (${poll})`}))};
		history.record({...frame, patterns: rows.map((row) => ({...row, stableCount: row.stableCount + poll, canaryPer1k: poll}))});
	}
	gc();
	const retained = process.memoryUsage().heapUsed - before;
	assert.equal(history.length, 1801);
	assert.equal(history.at(T0 + 7199 * 1000)!.patterns.length, HISTORY_PATTERNS);
	assert.equal(history.at(T0 + 7199 * 1000)!.patterns[0]!.example, '', 'no example line is kept');
	if (replicas > 0) assert.equal(history.at(T0 + 7199 * 1000)!.engines.canary.replicas?.length, replicas);
	return retained;
}

/** A replica's card as the Monitor builds it each poll: new figures, the same words. */
const replicaCard = (id: string, poll: number): ReplicaCard => ({
	id,
	requests: 3000 + poll,
	p95Ms: 40 + poll / 1000,
	ratio5xx: (poll % 10) / 1000,
	memPercent: 13 + (poll % 50) / 10,
	restarts: 0,
	health: 'healthy',
	problem: null,
	outlier: null,
});

test('an hour of frames at the default 2 s poll, each with new figures, verdict and patterns as at 10,000 lines/s, stays under HISTORY_BYTES_PER_HOUR', async () => {
	const retained = await hourRetained(0);
	process.stdout.write(`# history: ${(retained / 1024 / 1024).toFixed(2)} MB retained for an hour (bound ${HISTORY_BYTES_PER_HOUR / 1024 / 1024} MB)\n`);
	assert.ok(retained < HISTORY_BYTES_PER_HOUR, `${retained} bytes retained, bound ${HISTORY_BYTES_PER_HOUR}`);
	assert.ok(retained > 0.1 * HISTORY_BYTES_PER_HOUR, `${retained} bytes: the measure saw the frames (the bound is not loose by 10x)`);
});

test('an hour of frames with 5+5 replicas, every card changing every poll, stays under HISTORY_BYTES_PER_HOUR', async () => {
	const retained = await hourRetained(5);
	process.stdout.write(`# history with 5+5 replicas: ${(retained / 1024 / 1024).toFixed(2)} MB retained for an hour (bound ${HISTORY_BYTES_PER_HOUR / 1024 / 1024} MB)\n`);
	assert.ok(retained < HISTORY_BYTES_PER_HOUR, `${retained} bytes retained, bound ${HISTORY_BYTES_PER_HOUR}`);
});

test('[ and { step back through the kept span, never past its start; stepping past now is live', () => {
	const now = T0 + 3_600_000;
	const step = (state: ReturnType<typeof initialViewState>, by: number) => viewReducer(state, {type: 'history-step', by, now, oldest: T0 + 600_000});
	let state = step(initialViewState(), -30_000);
	assert.equal(state.at, now - 30_000);
	state = step(state, -5 * 60_000);
	assert.equal(state.at, now - 330_000);
	state = step(state, -3_600_000);
	assert.equal(state.at, T0 + 600_000);
	assert.match(state.message!, /the history starts at \d\d:\d\d:\d\d: nothing older is kept/);
	state = step(state, 3_600_000);
	assert.equal(state.at, null);
	assert.equal(state.message, 'live again');
	state = viewReducer(step(state, -30_000), {type: 'escape'});
	assert.equal(state.at, null, 'esc in the overview returns to live');
	state = viewReducer(step(state, -30_000), {type: 'live'});
	assert.equal(state.at, null);
});

test('2 while stepped back opens the logs paused at that moment, or says the moment is older than the oldest kept line', () => {
	const events = [10, 20, 30, 40].map((second, index) => ({time: T0 + second * 1000, seq: index + 1}) as StoredEvent);
	const run = (at: number) => {
		let state = initialViewState();
		openLogsAt(at, events, (action: ViewAction) => void (state = viewReducer(state, action)));
		return state;
	};
	const at25 = run(T0 + 25_000);
	assert.equal(at25.view, 'logs');
	assert.equal(at25.logs.follow, false);
	assert.equal(at25.logs.offset, 2, 'the line at 20 s is the bottom line (two newer below it)');
	assert.match(at25.message!, /^logs at \d\d:\d\d:\d\d/);
	const before = run(T0);
	assert.equal(before.logs.offset, 3, 'the oldest kept line');
	assert.match(before.message!, /older than the oldest kept line \(\d\d:\d\d:\d\d\)/);
});
