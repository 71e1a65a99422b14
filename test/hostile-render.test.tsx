import {test} from 'node:test';
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {render} from 'ink';
import {App} from '../source/ui/app.tsx';
import {FrameWriter} from '../source/ui/frame-writer.ts';
import {installOutputCache} from '../source/ui/ink-output-cache.ts';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';
import {Keyboard} from './helpers/keyboard.ts';

// Container output is hostile. Lines full of escape sequences go the whole way a real line
// goes (log sink -> store -> screen -> Ink -> frame writer) and the bytes that reach the
// terminal carry none of them: only the writer's own cursor moves and Ink's colours.

class Terminal extends EventEmitter {
	columns = 120;
	rows = 40;
	bytes = '';
	write(chunk: string) {
		this.bytes += chunk;
		return true;
	}
}

const HOSTILE = [
	'clipboard \u001B]52;c;ZWNobyBwd25lZA==\u0007 write',
	'title \u001B]0;you have been pwned\u001B\\ change',
	'link \u001B]8;;http://evil.example\u0007click\u001B]8;;\u0007 here',
	'cursor \u001B[2J\u001B[H\u001B[10;10H\u001B[?1049l moves',
	'dcs \u001BP+q544e\u001B\\ query',
	'c1 \u009B31m csi and \u009D0;t\u009C osc',
	'bell \u0007\u0007 and backspace abc\b\b\bxyz and cr safe\rEVIL',
	'{"timestamp":"2026-11-27T10:00:00Z","level":"ERROR","message":"json \\u001b[31mred\\u001b[0m \\u001b]0;t\\u0007 title","request_id":"r1"}',
];

test('hostile log lines reach the terminal without a single control sequence of their own', async () => {
	await installOutputCache();
	const deployment = await startMiniDeployment();
	const terminal = new Terminal();
	const writer = new FrameWriter(terminal, {maxFps: 50});
	const size = {columns: 120, rows: 40};
	const instance = render(
		<App monitor={deployment.monitor} size={{get: () => size, subscribe: () => () => {}}} colour onQuit={() => {}} saveLogs={async () => ''} />,
		{stdout: writer as unknown as NodeJS.WriteStream, stdin: new Keyboard() as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false},
	);
	try {
		deployment.monitor.start();
		await waitFor(() => deployment.sink(), (sink) => sink !== undefined);
		const now = Date.now();
		deployment.sink()!.lines(HOSTILE.map((text, index) => ({engine: index % 2 ? 'canary' : 'stable', stream: 'stdout', time: now + index, text}) as const));
		const seen = await waitFor(() => terminal.bytes, (bytes) => bytes.includes('safeEVIL') && bytes.includes('json'), 8000);
		assert.ok(seen.includes('safeEVIL'), 'the hostile lines were drawn (a carriage return is dropped, not obeyed)');
		const sequences = [...seen.matchAll(/\u001B(\[[0-9;?]*[ -/]*[@-~]|.)/g)].map((match) => match[0]);
		// The writer's own: cursor address and forward, erase, scroll region, colour, synchronized output.
		const allowed = /^\u001B\[(\d+;\d+H|\d+C|0m|2K|K|2J|H|\d+;\d+r|r|\?2026[hl]|[\d;]*m)$/;
		assert.deepEqual(sequences.filter((sequence) => !allowed.test(sequence)), [], 'only cursor positioning, erase, scrolling and colour');
		// The writer's carriage returns always start a line feed to the next row.
		assert.doesNotMatch(seen, /[\u0007\b\u0080-\u009F]|\r(?!\n)/, 'no BEL, backspace, lone carriage return or C1 byte');
		assert.doesNotMatch(seen, /\u001B\]|\u001BP/, 'no OSC or DCS');
		assert.doesNotMatch(seen, /cursor \u001B/, 'the line could not move the cursor: its sequences are gone from the text');
	} finally {
		instance.unmount();
		writer.close();
		await deployment.close();
	}
});
