import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {ChartsPanel} from '../source/ui/charts-panel.tsx';
import {exitTimes} from '../source/ui/incident-keys.ts';
import type {Snapshot} from '../source/core/monitor/snapshot.ts';
import type {TimelineEvent} from '../source/core/monitor/timeline.ts';

// Weight changes (▲) and exits or OOM kills (×) marked on the charts' time axis, with a legend.

const strip = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const minute = (m: number) => T0 + m * 60_000;

function engines(): Snapshot['engines'] {
	const series = Array.from({length: 301}, (_, i) => ({at: T0 + i * 2000, p95Ms: 40 + (i % 7), ratio5xx: 0, memPercent: 20 + i / 30, rps: 10}));
	return {stable: {series}, canary: {series}} as unknown as Snapshot['engines'];
}

test('a weight change and an exit are marked where they happened on all three charts, and the legend says which is which', () => {
	const timeline: TimelineEvent[] = [
		{at: minute(2), kind: 'lifecycle', source: 'canary', text: 'canary started', console: 'h:1'},
		{at: minute(7), kind: 'lifecycle', source: 'canary', text: 'canary OOM killed', console: 'h:1'},
	];
	const exits = exitTimes(timeline);
	assert.deepEqual(exits, [minute(7)], 'a start is no exit');
	const {lastFrame} = render(<ChartsPanel engines={engines()} weightChanges={[minute(3)]} exits={exits} startedAt={T0} width={120} height={8} zoomMin={10} colour={false} thresholdMs={300} />);
	const lines = strip(lastFrame() ?? '').split('\n');
	assert.match(lines[0]!, /─ 5xx % {2}▲ weights × exits ─/);
	const marks = lines.at(-1)!;
	// Three charts, each with its own marker row: the change at 3 of 10 minutes, the exit at 7.
	const weights = [...marks.matchAll(/▲/g)].map((match) => match.index!);
	const kills = [...marks.matchAll(/×/g)].map((match) => match.index!);
	assert.equal(weights.length, 3, marks);
	assert.equal(kills.length, 3, marks);
	for (let chart = 0; chart < 3; chart++) assert.ok(weights[chart]! < kills[chart]!, marks);
	// On the p95 chart (60 columns, 50 of plot after the 9 of labels): 30 % and 70 % along.
	assert.ok(Math.abs(weights[0]! - (9 + 0.3 * 50)) <= 1, `▲ at ${weights[0]}`);
	assert.ok(Math.abs(kills[0]! - (9 + 0.7 * 50)) <= 1, `× at ${kills[0]}`);
});
