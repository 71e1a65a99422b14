import {test} from 'node:test';
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {FrameWriter} from '../source/ui/frame-writer.ts';

class FakeTerminal extends EventEmitter {
	columns = 40;
	rows = 5;
	chunks: string[] = [];
	write(chunk: string) {
		this.chunks.push(chunk);
		return true;
	}
	get text() {
		return this.chunks.join('');
	}
}

function flushed(writer: FrameWriter, frame: string) {
	writer.write(frame);
	writer.close();
}

test('the first frame draws every row; an identical frame writes nothing', () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	writer.write('one\ntwo\nthree');
	(writer as unknown as {flush(): void}).flush();
	assert.match(terminal.text, /\u001B\[1;1H.*one/);
	assert.match(terminal.text, /\u001B\[3;1H.*three/);
	const before = terminal.chunks.length;
	writer.write('one\ntwo\nthree');
	(writer as unknown as {flush(): void}).flush();
	assert.equal(terminal.chunks.length, before, 'nothing is written when nothing changed');
	writer.close();
});

test('only the rows that changed are written, and rows that went away are cleared', () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	writer.write('a\nb\nc');
	(writer as unknown as {flush(): void}).flush();
	terminal.chunks = [];
	flushed(writer, 'a\nB');
	const text = terminal.text;
	assert.doesNotMatch(text, /\u001B\[1;1H/, 'row 1 did not change');
	assert.match(text, /\u001B\[2;1H\u001B\[0m\u001B\[2KB/);
	assert.match(text, /\u001B\[3;1H\u001B\[0m\u001B\[2K/, 'row 3 is erased');
});

test('a frame taller than the terminal is cut at its last row, so the screen never scrolls', () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	flushed(writer, ['1', '2', '3', '4', '5', '6', '7'].join('\n'));
	assert.match(terminal.text, /\u001B\[5;1H/);
	assert.doesNotMatch(terminal.text, /\u001B\[6;1H/);
	assert.doesNotMatch(terminal.text, /\n/);
});

test('a resize clears the screen and redraws the next frame in full', () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	let resized = 0;
	writer.on('resize', () => resized++);
	writer.write('x\ny');
	(writer as unknown as {flush(): void}).flush();
	terminal.chunks = [];
	terminal.rows = 10;
	terminal.emit('resize');
	assert.equal(resized, 1);
	assert.match(terminal.text, /\u001B\[2J/);
	flushed(writer, 'x\ny');
	assert.match(terminal.text, /\u001B\[1;1H.*x/);
	assert.ok(writer.bytesWritten > 0);
});

test('the first frame is drawn at once; later writes within one frame interval send only the last', async () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 10});
	for (let i = 0; i < 50; i++) writer.write(`frame ${i}`);
	assert.equal(terminal.chunks.length, 1, 'the first frame is on screen before any timer ran');
	assert.match(terminal.chunks[0], /frame 0/);
	await new Promise<void>((resolve) => {
		const check = () => (terminal.chunks.length > 1 ? resolve() : setTimeout(check, 5));
		check();
	});
	writer.close();
	assert.equal(terminal.chunks.length, 2);
	assert.match(terminal.chunks[1], /frame 49/);
	assert.doesNotMatch(terminal.text, /frame 48/);
});

test('after a key press frames go out at once; later ones wait for their frame slot again', async () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 2});
	writer.write('first');
	writer.write('log update');
	assert.equal(terminal.chunks.length, 1, 'a second frame within the slot waits');
	writer.expedite(10_000);
	writer.write('help shown');
	assert.equal(terminal.chunks.length, 2, 'the frame after a key press is drawn at once');
	assert.match(terminal.chunks[1], /help shown/);
	writer.expedite(0);
	writer.write('later');
	assert.equal(terminal.chunks.length, 2, 'without a key press the frame cap holds');
	writer.close();
	assert.match(terminal.chunks[2], /later/);
});
