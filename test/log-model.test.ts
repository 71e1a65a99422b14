import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {Ring} from '../source/domain/ring.ts';
import type {StoredEvent} from '../source/core/monitor/log-store.ts';
import type {LogView} from '../source/core/monitor/log-view.ts';
import type {LogViewState} from '../source/state/view-state.ts';
import {compileFilter, mergeByTime} from '../source/domain/log-filter.ts';
import {createLogModel, mergedView, toFilter} from '../source/ui/log-model.ts';

// The logs view is kept up to date incrementally (new lines merged into its tail, aged-out ones
// taken out); whatever arrives, in whatever order Docker stamps it, it must equal the full
// rebuild: every kept event of both engines that the filter accepts, ordered by time, engine, arrival.

type Engine = 'stable' | 'canary';
const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

function fakeStore(capacity: number) {
	const rings = {stable: new Ring<StoredEvent>(capacity), canary: new Ring<StoredEvent>(capacity)};
	let seq = 0;
	const view: LogView = {rings, history: capacity, version: 0, received: 0, notKept: (e) => rings[e].dropped, dropped: () => 0};
	const push = (engine: Engine, time: number, level: (typeof LEVELS)[number], gap = false) => {
		const message = `${level} line ${seq + 1}`;
		rings[engine].push({seq: ++seq, engine, stream: 'stdout', time, level, message, detail: '', exception: null, raw: message, templateId: level === 'ERROR' ? 'E1' : undefined, ...(gap ? {gap: 'stream ended'} : {})});
	};
	return {view, push, rings};
}

function logState(over: Partial<LogViewState> = {}): LogViewState {
	return {follow: true, offset: 0, regex: null, invert: false, minLevel: null, engines: 'both', wrap: false, timestamps: true, expanded: false, pattern: null, since: null, base: null, notKeptAtPause: 0, ...over};
}

const step = fc.oneof(
	// A batch of lines: times jump back a little now and then (stderr stamped before stdout).
	fc.record({kind: fc.constant('lines' as const), engine: fc.constantFrom<Engine>('stable', 'canary'), count: fc.integer({min: 1, max: 25}), back: fc.array(fc.integer({min: 0, max: 40}), {minLength: 1, maxLength: 25}), level: fc.array(fc.constantFrom(...LEVELS), {minLength: 1, maxLength: 25}), gap: fc.boolean()}),
	fc.record({kind: fc.constant('filter' as const), state: fc.record({regex: fc.constantFrom(null, 'line 1', 'ERROR|WARN', '('), invert: fc.boolean(), minLevel: fc.constantFrom(null, 'INFO' as const, 'WARN' as const), engines: fc.constantFrom('both' as const, 'stable' as const, 'canary' as const), pattern: fc.constantFrom(null, 'E1')})}),
	fc.record({kind: fc.constant('look' as const)}),
);

test('the incremental logs view equals the full rebuild, whatever arrives in whatever order, with lines aging out', () => {
	fc.assert(
		fc.property(fc.integer({min: 3, max: 60}), fc.array(step, {minLength: 1, maxLength: 40}), fc.array(fc.boolean(), {maxLength: 40}), (capacity, steps, skips) => {
			const store = fakeStore(capacity);
			const model = createLogModel();
			let state = logState();
			let version = 0;
			let clock = {stable: 1000, canary: 1000};
			for (const [index, s] of steps.entries()) {
				if (s.kind === 'lines') {
					for (let i = 0; i < s.count; i++) {
						clock = {...clock, [s.engine]: clock[s.engine] + 5};
						store.push(s.engine, clock[s.engine] - s.back[i % s.back.length]!, s.level[i % s.level.length]!, s.gap && i === 0);
					}
					version++;
				} else if (s.kind === 'filter') {
					state = logState(s.state);
				}
				// The view is not always on screen: it may skip updates and catch up later.
				if (skips[index]) continue;
				const got = model(store.view, version, state).events;
				const filter = compileFilter(toFilter(state));
				const want = mergedView(store.view, (e) => (state.pattern ? e.templateId === state.pattern : true) && (e.gap !== undefined || filter.predicate(e)));
				assert.deepEqual(got.map((e) => e.seq), want.map((e) => e.seq));
			}
		}),
		{numRuns: 400},
	);
});

test('lines in time order come out as the two-way merge by time gave them', () => {
	const store = fakeStore(1000);
	for (let i = 0; i < 300; i++) store.push(i % 3 === 0 ? 'canary' : 'stable', 1000 + Math.floor(i / 2) * 10, 'INFO');
	const got = createLogModel()(store.view, 1, logState()).events;
	assert.deepEqual(got.map((e) => e.seq), mergeByTime(store.rings.stable.toArray(), store.rings.canary.toArray()).map((e) => e.seq));
});

test('the full rebuild orders by time, stable before canary at the same time, then arrival', () => {
	const store = fakeStore(10);
	store.push('canary', 2000, 'INFO');
	store.push('stable', 2000, 'INFO');
	store.push('stable', 1000, 'INFO');
	store.push('stable', 2000, 'INFO');
	const got = mergedView(store.view, () => true).map((e) => `${e.engine} ${e.time} ${e.seq}`);
	assert.deepEqual(got, ['stable 1000 3', 'stable 2000 2', 'stable 2000 4', 'canary 2000 1']);
});
