import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {currentUser} from '../source/core/change/audit.ts';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';

// The timeline view (5 or T), notes (a) and the logs at an event's moment (enter); a paused
// log view that counts the lines that arrived and jumps to the newest on f.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');
const SIZE = {columns: 120, rows: 40};

async function setup(overrides: Record<string, unknown> = {}) {
	const deployment = await startMiniDeployment(overrides);
	const app = render(<App monitor={deployment.monitor} size={{get: () => SIZE, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} />);
	deployment.monitor.start();
	const frame = () => strip(app.lastFrame());
	await waitFor(frame, (text) => /90\/10 \(stage 1\/3\)/.test(text));
	await waitFor(() => deployment.sink(), (sink) => sink !== undefined);
	const log = (texts: string[], time = Date.now()) =>
		deployment.sink()!.lines(texts.map((text, index) => ({engine: index % 2 ? 'canary' : 'stable', stream: 'stdout', time: time + index, text}) as const));
	const read = async (chunk: string) => {
		app.stdin.write(chunk);
		await new Promise((resolve) => setImmediate(resolve));
	};
	return {...deployment, app, frame, read, log, done: async () => (app.unmount(), await deployment.close())};
}

test('promote, roll back and a note show in the timeline in order, with who and outcome; the note is audited', async () => {
	const s = await setup();
	const who = `${currentUser()}@${hostname()}`;
	try {
		await s.read('p');
		await waitFor(s.frame, (text) => text.includes('confirm: promote 90/10 -> 50/50'));
		await s.read('y');
		await waitFor(s.frame, (text) => /VERIFIED: promote 90\/10 -> 50\/50/.test(text), 15_000);
		await s.read('\r');
		await s.read('b');
		await waitFor(s.frame, (text) => text.includes('confirm: rollback 50/50 -> 100/0'));
		await s.read('y');
		await waitFor(s.frame, (text) => /VERIFIED: rollback 50\/50 -> 100\/0/.test(text), 15_000);
		await s.read('\r');
		await s.read('a');
		await waitFor(s.frame, (text) => text.includes('note for the timeline'));
		await s.read('canary p95 doubled at 50/50\r');
		await waitFor(s.frame, (text) => text.includes('note added to the timeline'));
		await s.read('5');
		const view = await waitFor(s.frame, (text) => /─ timeline \d+ events/.test(text) && text.includes('canary p95 doubled'));
		const rows = view.split('\n').filter((line) => /^\d\d:\d\d:\d\d (action|note)/.test(line));
		assert.equal(rows.length, 3, view);
		assert.match(rows[0]!, new RegExp(`action +${who} +verified +promote 90/10 -> 50/50`));
		assert.match(rows[1]!, new RegExp(`action +${who} +verified +rollback 50/50 -> 100/0`));
		assert.match(rows[2]!, new RegExp(`note +${who} +canary p95 doubled at 50/50`));
		const audit = readFileSync(s.config.auditPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {action: string; reason: string});
		assert.deepEqual(audit.at(-1), {...audit.at(-1), action: 'note', reason: 'canary p95 doubled at 50/50'});
	} finally {
		await s.done();
	}
});

test('a note with only control characters is refused with the reason; the console keeps running', async () => {
	const s = await setup();
	try {
		await s.read('a');
		await waitFor(s.frame, (text) => text.includes('note for the timeline'));
		await s.read('   \r');
		const frame = await waitFor(s.frame, (text) => text.includes('an empty note was not added'));
		assert.match(frame, /an empty note was not added/);
		assert.equal(s.monitor.current().timeline.filter((event) => event.kind === 'note').length, 0);
	} finally {
		await s.done();
	}
});

test('enter on a timeline event opens the logs paused at that moment; new lines are counted, f jumps to the newest', async () => {
	const s = await setup();
	try {
		const t0 = Date.now();
		s.log(['line before the note A', 'line before the note B'], t0 - 5000);
		await s.read('a');
		await s.read('marker note\r');
		await waitFor(s.frame, (text) => text.includes('note added to the timeline'));
		s.log(['line after the note C', 'line after the note D'], Date.now() + 1000);
		await s.read('T');
		await waitFor(s.frame, (text) => text.includes('marker note'));
		await s.read('\r');
		const opened = await waitFor(s.frame, (text) => /─ logs \d+ lines paused/.test(text));
		// The bottom line is the last one at or before the note's moment.
		const logRows = opened.split('\n').filter((line) => /line (before|after) the note/.test(line));
		assert.match(logRows.at(-1) ?? '', /line before the note B/, opened);
		// Lines arrive while paused: the view stays, and counts them.
		s.log(Array.from({length: 1234}, (_, i) => `flood line ${i}`), Date.now() + 2000);
		const counted = await waitFor(s.frame, (text) => text.includes('+1,234 new'));
		assert.match(counted, /paused {2}\+1,234 new \(f: follow\)/);
		assert.match(counted.split('\n').filter((line) => /line (before|after) the note|flood line/.test(line)).at(-1) ?? '', /line before the note B/, 'still on the same lines');
		await s.read('f');
		const following = await waitFor(s.frame, (text) => /─ logs \d+ lines following/.test(text));
		assert.match(following, /flood line 1233/);
		assert.doesNotMatch(following, /new \(f: follow\)/);
	} finally {
		await s.done();
	}
});

test('a paused view says how many old lines the store let go since the pause', async () => {
	const s = await setup({logBuffer: 200});
	try {
		s.log(Array.from({length: 50}, (_, i) => `early line ${i}`), Date.now() - 1000);
		await s.read('2');
		await waitFor(s.frame, (text) => /─ logs 50 lines following/.test(text));
		await s.read('k');
		await waitFor(s.frame, (text) => /─ logs 50 lines paused/.test(text));
		s.log(Array.from({length: 400}, (_, i) => `late line ${i}`), Date.now() + 1000);
		const frame = await waitFor(s.frame, (text) => /older lines dropped since the pause/.test(text));
		assert.match(frame, /paused {2}\+\d[\d,]* new \(f: follow\) {2}\d[\d,]* older lines dropped since the pause \(history [\d,]+ lines\)/);
	} finally {
		await s.done();
	}
});

test('B writes an incident bundle in the background and shows its path and size', async () => {
	const deployment = await startMiniDeployment();
	const bundles: number[] = [];
	const saveBundle = async (snapshot: {at: number}) => (bundles.push(snapshot.at), '/state/bundles/canary-bundle-x.tar.gz (12.3 KB)');
	const app = render(<App monitor={deployment.monitor} size={{get: () => SIZE, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} saveBundle={saveBundle} />);
	deployment.monitor.start();
	const frame = () => strip(app.lastFrame());
	try {
		await waitFor(frame, (text) => /90\/10 \(stage 1\/3\)/.test(text));
		app.stdin.write('B');
		const shown = await waitFor(frame, (text) => text.includes('canary-bundle-x.tar.gz (12.3 KB)'));
		assert.match(shown.split('\n').at(-1) ?? '', /\/state\/bundles\/canary-bundle-x\.tar\.gz \(12\.3 KB\)/);
		assert.equal(bundles.length, 1);
	} finally {
		app.unmount();
		await deployment.close();
	}
});
