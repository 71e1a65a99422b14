import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {ESCAPE_WAIT_MS} from '../source/ui/key-splitter.ts';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';

// Keys as a terminal over SSH delivers them: several keys in one read, a paste, an escape
// sequence cut between two reads. Each read is written to stdin in ONE write.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

async function setup() {
	const deployment = await startMiniDeployment();
	const size = {columns: 120, rows: 40};
	const app = render(
		<App monitor={deployment.monitor} size={{get: () => size, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} />,
	);
	deployment.monitor.start();
	const frame = () => strip(app.lastFrame());
	await waitFor(frame, (text) => /90\/10 \(stage 1\/3\)/.test(text));
	await waitFor(() => deployment.sink(), (sink) => sink !== undefined);
	const now = Date.now();
	deployment.sink()!.lines(
		['GET /v1/planets took the linear path', 'GET /v1/houses answered from cache', 'POST /v1/chart rejected'].map((text, index) => ({engine: index % 2 ? 'canary' : 'stable', stream: 'stdout', time: now + index, text}) as const),
	);
	/** One read: the whole string in a single write, as the terminal delivers it. */
	const read = async (chunk: string) => {
		app.stdin.write(chunk);
		await new Promise((resolve) => setImmediate(resolve));
	};
	const lastLine = () => frame().split('\n').at(-1) ?? '';
	return {...deployment, app, frame, read, lastLine, done: async () => (app.unmount(), await deployment.close())};
}

test('"/linear" and Enter in one read filter the logs to linear; nothing of the Enter is drawn', async () => {
	const s = await setup();
	try {
		await s.read('2');
		await waitFor(s.frame, (text) => /─ logs \d+ lines/.test(text));
		await s.read('/linear\r');
		const filtered = await waitFor(s.frame, (text) => /─ logs 1 lines \[\/linear\/\] following/.test(text));
		assert.match(filtered, /─ logs 1 lines \[\/linear\/\] following/, filtered);
		assert.match(filtered, /took the linear path/);
		assert.doesNotMatch(filtered, /answered from cache/);
		assert.doesNotMatch(s.lastLine(), /filter \(regex/, 'the prompt closed');
		assert.doesNotMatch(s.app.lastFrame() ?? '', /\r/, 'no carriage return reached the screen');
	} finally {
		await s.done();
	}
});

test('"w75/25" and Enter in one read open the 75/25 review; Enter in the same read does not confirm it', async () => {
	const s = await setup();
	try {
		const before = readFileSync(s.configPath, 'utf8');
		await s.read('w75/25\r\r');
		const confirm = await waitFor(s.frame, (text) => text.includes('confirm: set 90/10 -> 75/25'));
		assert.match(confirm, /confirm: set 90\/10 -> 75\/25/);
		await s.read('y');
		await waitFor(s.frame, (text) => /VERIFIED: set 90\/10 -> 75\/25/.test(text), 15_000);
		assert.notEqual(readFileSync(s.configPath, 'utf8'), before);
	} finally {
		await s.done();
	}
});

test('a pasted block applies its first line; the lines after it are not run as commands', async () => {
	const s = await setup();
	try {
		const before = readFileSync(s.configPath, 'utf8');
		await s.read('w');
		await waitFor(s.lastLine, (line) => /split stable\/canary/.test(line));
		await s.read('75/25\nb\ny\nq\n');
		const confirm = await waitFor(s.frame, (text) => text.includes('confirm: set 90/10 -> 75/25'));
		assert.match(confirm, /confirm: set 90\/10 -> 75\/25/, 'the first line applied');
		assert.doesNotMatch(confirm, /rollback/, 'b in the paste did not ask for a rollback');
		assert.equal(readFileSync(s.configPath, 'utf8'), before, 'y in the paste did not confirm');
		await s.read('n');
		await waitFor(s.frame, (text) => !text.includes('confirm:'));
		assert.equal(readFileSync(s.configPath, 'utf8'), before);
	} finally {
		await s.done();
	}
});

test('control characters typed or pasted into a prompt never enter the query', async () => {
	const s = await setup();
	try {
		await s.read('2');
		await s.read('/li\u0007n\u001B[31me\u0000\u009Bar\u007Fr');
		const prompt = await waitFor(s.lastLine, (line) => line.includes('/linear'));
		assert.match(prompt, /filter \(regex, enter to apply, esc to cancel\): \/linear$/, prompt);
		assert.doesNotMatch(s.app.lastFrame() ?? '', /[\u0000\u0007\u0080-\u009F]|\u001B\[31m/);
		await s.read('\r');
		await waitFor(s.frame, (text) => text.includes('[/linear/]'));
	} finally {
		await s.done();
	}
});

test('an arrow cut between two reads moves once; a lone Escape still closes', async () => {
	const s = await setup();
	try {
		await s.read('4');
		await waitFor(s.frame, (text) => text.includes('─ why'));
		const selected = () => /selected: ([^:]+):/.exec(s.frame())?.[1];
		const first = await waitFor(selected, (label) => label !== undefined);
		await s.read('\u001B');
		await s.read('[B');
		const second = await waitFor(selected, (label) => label !== first);
		assert.notEqual(second, first, 'down moved the selection');
		assert.match(s.frame(), /─ why/, 'no Escape was seen: still on the verdict view');
		assert.doesNotMatch(s.lastLine(), /previous error|\[/);
		await s.read('\u001B');
		const back = await waitFor(s.frame, (text) => !text.includes('─ why'), ESCAPE_WAIT_MS * 20);
		assert.doesNotMatch(back, /─ why/, 'Escape alone went back to the overview');
	} finally {
		await s.done();
	}
});

test('a long paste is drawn once, not once per key', async () => {
	const s = await setup();
	try {
		await s.read('2');
		await waitFor(s.frame, (text) => /─ logs \d+ lines/.test(text));
		const before = s.app.frames.length;
		await s.read(`/${'(linear|cache)'.repeat(12)}\r`);
		await waitFor(s.frame, (text) => text.includes('[/(linear|cache)'));
		// Snapshots of the live deployment draw frames of their own meanwhile: a handful, not 170.
		assert.ok(s.app.frames.length - before < 20, `${s.app.frames.length - before} frames for one read of 170 keys`);
	} finally {
		await s.done();
	}
});
