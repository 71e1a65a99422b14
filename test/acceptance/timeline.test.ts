import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import {currentUser} from '../../source/core/change/audit.ts';
import type {TimelineEvent} from '../../source/core/monitor/timeline.ts';
import {startMonitorLab, waitFor} from '../helpers/monitor-lab.ts';

// On the lab: promote, wait, roll back, add a note. The timeline holds the actions in order
// with who and outcome, and a console started afterwards shows the same timeline.

const people = (events: readonly TimelineEvent[]) => events.filter((event) => event.kind === 'operator' || event.kind === 'note');

test('promote, wait, roll back and a note: in order with who and outcome, and the same in a console started later', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'timeline-audit-'));
	const m = await startMonitorLab({config: {verifyTimeoutMs: 8000, sampleSize: 100, auditPath: join(dir, 'audit.jsonl')}});
	let second: Monitor | null = null;
	try {
		await waitFor('the weights read', () => m.monitor.current().split.configured, 10_000);
		await m.monitor.actions.request('promote');
		const promoted = await m.monitor.actions.confirm();
		assert.equal(promoted?.outcome, 'verified', promoted?.message);
		// Wait: a few analysis windows at 50/50.
		await waitFor('two recorded windows', () => m.monitor.current().verdictHistory.length >= 2, 15_000);
		await m.monitor.actions.request('rollback');
		const rolledBack = await m.monitor.actions.confirm();
		assert.equal(rolledBack?.outcome, 'verified', rolledBack?.message);
		const noted = await m.monitor.note('canary slower than stable at 50/50; rolled back');
		assert.deepEqual(noted, {ok: true});

		const who = `${currentUser()}@${hostname()}`;
		const events = people(m.monitor.current().timeline);
		assert.deepEqual(
			events.map((event) => [event.kind, event.source, event.text.split(':')[0], event.outcome ?? null]),
			[
				['operator', who, 'promote 90/10 -> 50/50', 'verified'],
				['operator', who, 'rollback 50/50 -> 100/0', 'verified'],
				['note', who, 'canary slower than stable at 50/50; rolled back', null],
			],
		);
		const times = events.map((event) => event.at);
		assert.deepEqual(times, [...times].sort((a, b) => a - b));

		// A second console on the same deployment, started afterwards.
		const lab = m.lab;
		second = new Monitor({openState, splitSampler: httpSplitSampler, config: m.monitor.config, http: createHttpProbe(), logs: {follow: () => {}}, stats: lab.stats, proxy: lab.proxy, runtime: lab.runtime});
		await second.timeline.ready;
		assert.deepEqual(people(second.current().timeline), events);
	} finally {
		await second?.stop();
		await m.stop();
		rmSync(dir, {recursive: true, force: true});
	}
});
