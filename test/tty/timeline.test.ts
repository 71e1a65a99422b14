import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {requireTmux, Tmux} from '../helpers/tmux.ts';

// The acceptance in the demo, as a person does it in a real terminal: promote, wait,
// roll back, add a note. The timeline shows the promote, the rollback and the note in order
// with who and outcome; the charts show two weight markers; a console started afterwards on
// the same state directory shows the same timeline.

requireTmux();
const CLI = ['node', 'bin/canary-console.js', 'demo', '--balancer', 'lab'];
const cardsLive = (screen: string) => /STABLE 1\.1\.0/.test(screen) && /CANARY 1\.2\.0/.test(screen) && /req\/s [1-9]/.test(screen);
/** The timeline rows of people's actions and notes, in screen order. */
const people = (screen: string) => screen.split('\n').filter((line) => /^\d\d:\d\d:\d\d (action|note) /.test(line));

test('demo: promote, wait, roll back, a note: the timeline in order, two markers on the charts, the same timeline in a console started afterwards', async () => {
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-tty-timeline-'));
	const env = {CI: undefined, NO_COLOR: undefined, CANARY_CONSOLE_STATE_DIR: stateDir};
	const first = new Tmux('first');
	const second = new Tmux('second');
	try {
		first.start(CLI, {env});
		await first.waitFor(cardsLive, 30_000);
		first.keys('p');
		await first.waitFor((screen) => screen.includes('confirm: promote 90/10 -> 50/50'));
		first.keys('y');
		await first.waitFor((screen) => /VERIFIED: promote 90\/10 -> 50\/50/.test(screen), 30_000);
		first.keys('Enter');
		// Wait: the soak clock of the new stage runs for 15 s (the markers land in separate columns).
		await first.waitFor((screen) => /50\/50 \(stage 2\/3\)/.test(screen) && /soak (1[5-9]|[2-5]\d)s/.test(screen), 60_000);
		first.keys('b');
		await first.waitFor((screen) => screen.includes('confirm: rollback 50/50 -> 100/0'));
		first.keys('y');
		await first.waitFor((screen) => /VERIFIED: rollback 50\/50 -> 100\/0/.test(screen), 30_000);
		first.keys('Enter');
		first.keys('a');
		await first.waitFor((screen) => screen.includes('note for the timeline (enter to add'));
		first.keys('canary slower at 50/50', 'Enter');
		await first.waitFor((screen) => screen.includes('note added to the timeline'));

		// The charts: a weight marker for the promote and one for the rollback under each chart, once
		// a poll after the rollback has drawn up to it (the charts end at the newest point).
		const markerRow = (screen: string) => screen.split('\n').filter((line) => line.includes('▲') && !line.includes('─'));
		// The p95 chart takes half of the 120 columns, the 5xx and memory charts a quarter each.
		const perChart = (row: string) => [row.slice(0, 60), row.slice(60, 90), row.slice(90)].map((chart) => [...chart].filter((char) => char === '▲').length);
		const overview = await first.waitFor((screen) => markerRow(screen).length === 1 && perChart(markerRow(screen)[0]!).every((count) => count >= 2), 10_000);
		assert.deepEqual(perChart(markerRow(overview)[0]!), [2, 2, 2], `two markers under each chart:\n${overview}`);

		first.keys('5');
		const timeline = await first.waitFor((screen) => people(screen).length === 3);
		const rows = people(timeline);
		assert.match(rows[0]!, /action +\S+ +verified +promote 90\/10 -> 50\/50/);
		assert.match(rows[1]!, /action +\S+ +verified +rollback 50\/50 -> 100\/0/);
		assert.match(rows[2]!, /note +\S+ +canary slower at 50\/50/);
		const who = /\b[\w.-]+@[\w.-]+\b/.exec(rows[0]!)?.[0];
		assert.ok(who, `who: ${rows[0]}`);
		for (const row of rows) assert.ok(row.includes(who), `by ${who}: ${row}`);
		first.keys('q');
		await first.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);

		// A second console on the same deployment's state, started afterwards.
		second.start(CLI, {env});
		await second.waitFor(cardsLive, 30_000);
		second.keys('5');
		const again = await second.waitFor((screen) => people(screen).length === 3);
		// The same events; the columns may be cut elsewhere (the second console's own events size them).
		const same = (row: string) => row.replace(/\s+/g, ' ').slice(0, 80);
		assert.deepEqual(people(again).map(same), rows.map(same));
		second.keys('q');
		await second.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
	} finally {
		first.kill();
		second.kill();
		rmSync(stateDir, {recursive: true, force: true});
	}
});
