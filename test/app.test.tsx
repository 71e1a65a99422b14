import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';

// The screen driven by keys against a small real deployment: key -> command -> effect.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

async function setup(size: {columns: number; rows: number} = {columns: 120, rows: 40}, overrides: Record<string, unknown> = {}) {
	const deployment = await startMiniDeployment(overrides);
	let quit = 0;
	const app = render(
		<App
			monitor={deployment.monitor}
			size={{get: () => size, subscribe: () => () => {}}}
			colour={false}
			onQuit={() => quit++}
			saveLogs={async () => '/dev/null'}
		/>,
	);
	deployment.monitor.start();
	const frame = () => strip(app.lastFrame());
	await waitFor(frame, (text) => /90\/10 \(stage 1\/3\)/.test(text));
	return {
		...deployment,
		app,
		frame,
		quits: () => quit,
		async done() {
			app.unmount();
			await deployment.close();
		},
	};
}

const press = async (stdin: {write(data: string): void}, keys: string) => {
	for (const key of keys) {
		stdin.write(key);
		// Ink reads keys as they arrive; one event-loop turn lets each be handled on its own.
		await new Promise((resolve) => setImmediate(resolve));
	}
};

test('p asks first with the upstream diff; y applies, verifies the split and writes the file', async () => {
	const s = await setup();
	try {
		await press(s.app.stdin, 'p');
		const confirm = await waitFor(s.frame, (text) => text.includes('confirm: promote 90/10 -> 50/50'));
		assert.match(confirm, /confirm: promote 90\/10 -> 50\/50/);
		assert.match(confirm, /\+\s+server 127\.0\.0\.1:\d+ weight=50;/);
		assert.match(readFileSync(s.configPath, 'utf8'), /weight=90/, 'nothing is written before the confirmation');
		await press(s.app.stdin, 'y');
		const done = await waitFor(s.frame, (text) => /VERIFIED: promote/.test(text), 15_000);
		assert.match(done, /VERIFIED: promote 90\/10 -> 50\/50/, done);
		assert.match(readFileSync(s.configPath, 'utf8'), /weight=50;[^\n]*\n[^\n]*weight=50;/);
		const audit = readFileSync(s.config.auditPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
		assert.equal(audit.at(-1).outcome, 'verified');
		assert.equal(audit.at(-1).action, 'promote');
		assert.equal(audit.at(-1).to, '50/50');
		await press(s.app.stdin, '\r');
		await waitFor(s.frame, (text) => /50\/50 \(stage 2\/3\)/.test(text));
	} finally {
		await s.done();
	}
});

test('w takes a split, n cancels, and the file is untouched', async () => {
	const s = await setup();
	try {
		const before = readFileSync(s.configPath, 'utf8');
		await press(s.app.stdin, 'w75/25\r');
		const confirm = await waitFor(s.frame, (text) => text.includes('confirm: set 90/10 -> 75/25'));
		assert.match(confirm, /weight=75/);
		await press(s.app.stdin, 'n');
		const after = await waitFor(s.frame, (text) => !text.includes('confirm:'));
		assert.doesNotMatch(after, /confirm:/);
		assert.equal(readFileSync(s.configPath, 'utf8'), before);
	} finally {
		await s.done();
	}
});

test('a key that does not apply says why instead of acting', async () => {
	const s = await setup();
	try {
		await press(s.app.stdin, 'u');
		const text = await waitFor(s.frame, (frame) => /nothing to undo/.test(frame.split('\n').at(-1) ?? ''));
		assert.match(text.split('\n').at(-1) ?? '', /nothing to undo: no weight change made in this session/);
		assert.doesNotMatch(text, /confirm:/);
	} finally {
		await s.done();
	}
});

test('? shows the keys, escape closes them, 4 opens the verdict detail and q quits', async () => {
	const s = await setup();
	try {
		await press(s.app.stdin, '?');
		const help = await waitFor(s.frame, (text) => text.includes('keys (? or esc to close)'));
		assert.match(help, /promote to the next stage/);
		await press(s.app.stdin, '\u001B');
		await waitFor(s.frame, (text) => !text.includes('keys (? or esc to close)'));
		await press(s.app.stdin, '4');
		const verdict = await waitFor(s.frame, (text) => text.includes('─ why'));
		assert.match(verdict, /─ verdict/);
		// The troubleshooting details say where this deployment's audit log and backups are.
		assert.ok(verdict.includes(`state ${s.config.stateDir}  audit log ${s.config.auditPath}`), verdict);
		await press(s.app.stdin, 'q');
		await waitFor(s.quits, (count) => count > 0);
		assert.equal(s.quits(), 1);
	} finally {
		await s.done();
	}
});

test('every line fits the terminal, and a terminal below 80x24 gets a message instead of a broken layout', async () => {
	const wide = await setup({columns: 80, rows: 24});
	try {
		const lines = wide.frame().split('\n');
		assert.ok(lines.length <= 24, `${lines.length} lines`);
		for (const line of lines) assert.ok([...line].length <= 80, `too wide: ${line}`);
	} finally {
		await wide.done();
	}
	const small = await startMiniDeployment();
	const tiny = {columns: 40, rows: 10};
	try {
		const app = render(
			<App monitor={small.monitor} size={{get: () => tiny, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => ''} />,
		);
		const text = strip(app.lastFrame());
		assert.match(text, /needs 80x24/);
		for (const line of text.split('\n')) assert.ok(line.length <= 40);
		app.unmount();
	} finally {
		await small.close();
	}
});
