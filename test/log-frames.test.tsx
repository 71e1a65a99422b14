import {test} from 'node:test';
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {render} from 'ink';
import chalk from 'chalk';
import {App} from '../source/ui/app.tsx';
import {FrameWriter} from '../source/ui/frame-writer.ts';
import {installOutputCache} from '../source/ui/ink-output-cache.ts';
import {drawLogFrame, type LogRegionRef} from '../source/ui/log-region.ts';
import {overviewLayout} from '../source/ui/overview.tsx';
import {startMiniDeployment} from './helpers/mini-deployment.ts';
import {waitUntil} from './helpers/wait.ts';
import {Keyboard} from './helpers/keyboard.ts';

// A frame whose only news is log lines is drawn without React and Ink: its log rows are
// replaced in the last frame. What it draws must be what the next full render draws, row for
// row, in every mode of the log panels, colours on and off.

class Terminal extends EventEmitter {
	columns = 120;
	rows = 40;
	isTTY = true;
	write() {
		return true;
	}
}

const SGR = /\u001B\[[\d;]*m/g;

async function screen(colour: boolean) {
	chalk.level = colour ? 1 : 0;
	await installOutputCache();
	// No timed polls: the frames between the ones a test causes bring log lines only.
	const deployment = await startMiniDeployment({pollIntervalMs: 60_000, windowSec: 120, analysisIntervalSec: 60});
	const writer = new FrameWriter(new Terminal(), {maxFps: 50});
	const region: LogRegionRef = {current: null};
	const fast: string[] = [];
	let inkWrites = 0;
	let drawing = false;
	const write = writer.write.bind(writer);
	writer.write = (frame: string) => {
		if (!drawing) inkWrites++;
		return write(frame);
	};
	const stop = deployment.monitor.onLogFrame(() => {
		drawing = true;
		const drew = drawLogFrame(region.current, writer);
		drawing = false;
		if (drew) fast.push(writer.lastFrame!);
		return drew;
	});
	let size = {columns: 120, rows: 40};
	const listeners = new Set<() => void>();
	const keyboard = new Keyboard();
	const instance = render(
		<App monitor={deployment.monitor} size={{get: () => size, subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener))}} colour={colour} onQuit={() => {}} saveLogs={async () => ''} logRegion={region} />,
		{stdout: writer as unknown as NodeJS.WriteStream, stdin: keyboard as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false},
	);
	deployment.monitor.start();
	const sink = await waitUntil('the log sink', () => deployment.sink());
	let n = 0;
	const frame = () => writer.lastFrame ?? '';
	return {
		region,
		frame,
		rows: () => frame().split('\n'),
		push(...messages: Array<[string, string]>) {
			sink.lines(messages.map(([level, message]) => ({engine: n++ % 2 ? 'canary' : 'stable', stream: 'stdout', time: Date.now(), text: JSON.stringify({timestamp: new Date().toISOString(), level, message})}) as const));
		},
		/** The first log frame that drew `text`. */
		fastFrameWith: (text: string) =>
			waitUntil(`a log frame with ${text}`, () => fast.find((frame) => frame.replace(SGR, '').includes(text)), {
				detail: () => `${fast.length} log frames, ${inkWrites} renders, region ${JSON.stringify(region.current?.rows()?.map((row) => row.replace(SGR, '')))}; on screen:\n${frame().replace(SGR, '')}`,
			}),
		/** Renders the whole screen again with React and Ink (same snapshot, same size) and returns its frame. */
		async fullRender(): Promise<string> {
			const before = inkWrites;
			size = {...size};
			for (const listener of listeners) listener();
			await waitUntil('a full render', () => inkWrites > before);
			return frame();
		},
		async type(keys: string, until: (plain: string) => boolean) {
			keyboard.type(keys);
			await waitUntil(`the screen after ${JSON.stringify(keys)}`, () => until(frame().replace(SGR, '')), {detail: () => frame().replace(SGR, '')});
		},
		async close() {
			stop();
			instance.unmount();
			writer.close();
			await deployment.close();
		},
	};
}

type Screen = Awaited<ReturnType<typeof screen>>;

/** Lines arrive; a log frame draws them; a full render then draws the very same frame. */
async function assertSameAfterFullRender(s: Screen, text: string): Promise<string> {
	const fastFrame = await s.fastFrameWith(text);
	// Later log frames may have followed; the frame on screen now is what a full render must repeat.
	const shown = s.frame();
	const full = await s.fullRender();
	assert.deepEqual(full.split('\n'), shown.split('\n'), 'the full render draws the rows the log frame drew');
	return fastFrame;
}

for (const colour of [true, false]) {
	test(`log frames draw what a full render draws: the overview's tail and the logs view (colours ${colour ? 'on' : 'off'})`, async () => {
		const s = await screen(colour);
		try {
			// The first poll and the split sample done: nothing else changes until the test acts.
			await waitUntil('the overview with the split sampled', () => s.frame().includes('log tail (2: logs view)') && s.frame().includes('by version at'));
			// The tail's region starts where the frame has the tail's title.
			const top = s.rows().findIndex((row) => row.includes('log tail (2: logs view)'));
			assert.equal(s.region.current?.top, top, 'the tail region starts at its title row');
			assert.equal(s.region.current?.rows()?.length, overviewLayout(40).logs);

			s.push(['INFO', 'served request 1'], ['ERROR', 'upstream timed out 2']);
			const tailFrame = await assertSameAfterFullRender(s, 'upstream timed out 2');
			const last = tailFrame.split('\n')[top + 2]!;
			assert.match(last.replace(SGR, ''), /^C \d\d:\d\d:\d\d\.\d{3} ERROR upstream timed out 2$/, 'the newest line under the older one');
			if (colour) assert.match(last, /^\u001B\[1m\u001B\[35mC\u001B\[39m\u001B\[22m \u001B\[31m/, 'engine tag bold magenta, the error in red');
			else assert.doesNotMatch(tailFrame, /\u001B/, 'no colour code at all');

			// The logs view, following.
			await s.type('2', (plain) => plain.includes('following'));
			assert.equal(s.region.current?.top, 2);
			s.push(['WARN', 'slow query 3']);
			await assertSameAfterFullRender(s, 'slow query 3');
			assert.match(s.frame().replace(SGR, ''), /logs 3 lines following/);

			// With a search: the matches highlighted.
			await s.type('/', (plain) => plain.includes('/'));
			await s.type('timed\r', (plain) => plain.includes('[/timed/]'));
			s.push(['ERROR', 'upstream timed out 4']);
			const search = await assertSameAfterFullRender(s, 'upstream timed out 4');
			if (colour) assert.match(search, /\u001B\[7m\u001B\[33mtimed\u001B\[27m\u001B\[31m out 4/, 'the match inverse in the key colour, the rest in the level colour');
			else assert.doesNotMatch(search, /\u001B/);

			// Paused: the view stays put and the header counts the new lines.
			await s.type('k', (plain) => plain.includes('paused'));
			s.push(['ERROR', 'upstream timed out 5'], ['ERROR', 'upstream timed out 6']);
			const paused = await assertSameAfterFullRender(s, '+2 new (f: follow)');
			assert.doesNotMatch(paused.replace(SGR, ''), /timed out 6/, 'a paused view does not scroll to the new lines');
			if (colour) assert.match(paused, /\u001B\[7m/, 'the selected line is inverse');
		} finally {
			await s.close();
		}
	});
}

test('no log frame while something else is over the log rows: help, another view', async () => {
	const s = await screen(false);
	try {
		await waitUntil('the overview', () => s.frame().includes('log tail (2: logs view)'));
		assert.ok(s.region.current);
		await s.type('?', (plain) => !plain.includes('log tail (2: logs view)'));
		assert.equal(s.region.current, null, 'help covers the tail');
		await s.type('\u001B', (plain) => plain.includes('log tail (2: logs view)'));
		await s.type('3', (plain) => !plain.includes('log tail (2: logs view)'));
		assert.equal(s.region.current, null, 'the errors view has no log rows');
		// Lines that arrive now are published in full: the screen stays the errors view.
		s.push(['INFO', 'served request 7']);
		await s.type('1', (plain) => plain.includes('served request 7'));
	} finally {
		await s.close();
	}
});
