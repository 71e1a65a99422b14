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

// A small terminal model for what the writer sends: cursor moves, erase line, scroll region,
// line feeds (which scroll the region at its bottom margin) and text. Attributes are ignored.
class ScreenModel {
	cells: string[];
	/** Times a line feed scrolled (the region, or the whole screen without one). */
	scrolled = 0;
	private row = 0;
	private col = 0;
	private top = 0;
	private bottom: number;
	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		this.cells = Array.from({length: rows}, () => '');
		this.bottom = rows - 1;
	}
	feed(text: string) {
		const re = /\u001B\[([?0-9;]*)([A-Za-z])|\n|\r|[^\u001B\n\r]/gu;
		for (const m of text.matchAll(re)) {
			if (m[0] === '\r') {
				this.col = 0;
				continue;
			}
			if (m[0] === '\n') {
				if (this.row === this.bottom) {
					this.scrolled++;
					this.cells.splice(this.top, 1);
					this.cells.splice(this.bottom, 0, '');
				} else this.row = Math.min(this.rows - 1, this.row + 1);
				continue;
			}
			if (m[2] === undefined) {
				const line = this.cells[this.row]!.padEnd(this.col, ' ');
				this.cells[this.row] = line.slice(0, this.col) + m[0] + line.slice(this.col + 1);
				this.col++;
				continue;
			}
			const args = m[1]!.startsWith('?') ? [] : m[1]!.split(';').map((v) => (v === '' ? undefined : Number(v)));
			switch (m[2]) {
				case 'H':
					this.row = (args[0] ?? 1) - 1;
					this.col = (args[1] ?? 1) - 1;
					break;
				case 'C':
					this.col += args[0] ?? 1;
					break;
				case 'K':
					this.cells[this.row] = args[0] === 2 ? '' : this.cells[this.row]!.slice(0, this.col);
					break;
				case 'J':
					this.cells = this.cells.map(() => '');
					break;
				case 'r':
					this.top = (args[0] ?? 1) - 1;
					this.bottom = (args[1] ?? this.rows) - 1;
					this.row = 0;
					this.col = 0;
					break;
			}
		}
	}
	get screen() {
		return this.cells.map((line) => line.trimEnd());
	}
}

function flushed(writer: FrameWriter, frame: string) {
	writer.write(frame);
	writer.close();
}

test('the first frame draws every row; an identical frame writes nothing', () => {
	const terminal = new FakeTerminal();
	const model = new ScreenModel(40, 5);
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	writer.write('one\ntwo\nthree');
	(writer as unknown as {flush(now: boolean): void}).flush(true);
	model.feed(terminal.text);
	assert.deepEqual(model.screen, ['one', 'two', 'three', '', '']);
	const before = terminal.chunks.length;
	writer.write('one\ntwo\nthree');
	(writer as unknown as {flush(now: boolean): void}).flush(true);
	assert.equal(terminal.chunks.length, before, 'nothing is written when nothing changed');
	writer.close();
});

test('only the rows that changed are written, and rows that went away are cleared', () => {
	const terminal = new FakeTerminal();
	const model = new ScreenModel(40, 5);
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	writer.write('a\nb\nc');
	(writer as unknown as {flush(now: boolean): void}).flush(true);
	model.feed(terminal.text);
	terminal.chunks = [];
	flushed(writer, 'a\nB');
	const text = terminal.text;
	model.feed(text);
	assert.match(text, /^\u001B\[\?2026h\u001B\[2;1H/, 'row 1 did not change: the update starts at row 2');
	assert.doesNotMatch(text, /a/);
	assert.deepEqual(model.screen, ['a', 'B', '', '', ''], 'row 3 is erased');
});

test('a frame taller than the terminal is cut at its last row, so the screen never scrolls', () => {
	const terminal = new FakeTerminal();
	const model = new ScreenModel(40, 5);
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	flushed(writer, ['1', '2', '3', '4', '5', '6', '7'].join('\n'));
	model.feed(terminal.text);
	assert.deepEqual(model.screen, ['1', '2', '3', '4', '5']);
	assert.equal(model.scrolled, 0, 'no line feed on the last row');
});

test('a resize clears the screen and redraws the next frame in full', () => {
	const terminal = new FakeTerminal();
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	let resized = 0;
	writer.on('resize', () => resized++);
	writer.write('x\ny');
	(writer as unknown as {flush(now: boolean): void}).flush(true);
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
	// Only the changed cells go out: "0" became "49".
	assert.match(terminal.chunks[1], /\u001B\[1;7H\u001B\[0m49/);
	assert.doesNotMatch(terminal.text, /48/);
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

function logFrame(first: number, rows: number): string {
	const body = Array.from({length: rows - 2}, (_, i) => `S 12:00:${String(first + i).padStart(5, '0')} INFO request ${first + i} served`);
	return [`header at line ${first}`, ...body, 'footer: ? help  q quit'].join('\n');
}

test('new log lines scroll the log region: only the new rows and the changed header are written', () => {
	const terminal = new FakeTerminal();
	terminal.columns = 60;
	terminal.rows = 12;
	const model = new ScreenModel(60, 12);
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	const flush = () => (writer as unknown as {flush(now: boolean): void}).flush(true);
	writer.write(logFrame(0, 12));
	flush();
	model.feed(terminal.text);
	terminal.chunks = [];
	writer.write(logFrame(3, 12));
	flush();
	const update = terminal.text;
	model.feed(update);
	assert.deepEqual(model.screen, logFrame(3, 12).split('\n'), 'the screen equals the new frame');
	assert.equal(writer.scrolls, 1);
	assert.match(update, /\u001B\[2;11r/, 'the region is the log rows, not the header or the footer');
	assert.doesNotMatch(update, /footer/, 'the footer is left alone');
	for (const n of [3, 4, 5, 6, 7]) assert.doesNotMatch(update, new RegExp(`request ${n} served`), `row ${n} moved with the terminal's scrolling`);
	for (const n of [10, 11, 12]) assert.match(update, new RegExp(`request ${n} served`), `new row ${n} written`);
	writer.close();
});

test('random frames drawn with scrolls and row diffs always leave the screen equal to the frame', () => {
	let seed = 7;
	const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
	const terminal = new FakeTerminal();
	terminal.columns = 40;
	terminal.rows = 10;
	const model = new ScreenModel(40, 10);
	const writer = new FrameWriter(terminal, {maxFps: 1000});
	let lines = Array.from({length: 10}, (_, i) => `line ${i}`);
	let next = 10;
	for (let step = 0; step < 500; step++) {
		const kind = random();
		if (kind < 0.5) {
			// Log-like: a region shifts up by 1-4 rows with new rows at its bottom.
			const top = Math.floor(random() * 4);
			const bottom = 5 + Math.floor(random() * 5);
			const by = 1 + Math.floor(random() * 4);
			for (let row = top; row <= bottom; row++) lines[row] = row + by <= bottom ? lines[row + by]! : `line ${next++}`;
		} else if (kind < 0.8) {
			lines[Math.floor(random() * 10)] = random() < 0.3 ? '' : `line ${next++}`;
		} else {
			lines = lines.map((line, i) => (random() < 0.2 ? `x${i}` : line));
		}
		writer.write(lines.join('\n'));
		(writer as unknown as {flush(now: boolean): void}).flush(true);
		model.feed(terminal.text);
		terminal.chunks = [];
		assert.deepEqual(model.screen, lines, `after step ${step}`);
	}
	assert.ok(writer.scrolls > 50, `scrolled ${writer.scrolls} times`);
	writer.close();
});

test('a flood that changes every row gets fewer frames, each complete, within the byte budget', async () => {
	const terminal = new FakeTerminal();
	terminal.columns = 100;
	terminal.rows = 30;
	const model = new ScreenModel(100, 30);
	const writer = new FrameWriter(terminal, {maxFps: 100, bytesPerSec: 20_000});
	const frame = (n: number) => Array.from({length: 30}, (_, row) => `${n}-${row} ${String(n * 7919 + row).repeat(12)}`.slice(0, 100)).join('\n');
	const started = Date.now();
	let n = 0;
	// 100 frames a second of ~3 KB each (300 KB/s offered) for 1.5 s.
	await new Promise<void>((resolve) => {
		const tick = setInterval(() => {
			writer.write(frame(n++));
			if (Date.now() - started >= 1500) {
				clearInterval(tick);
				resolve();
			}
		}, 10);
	});
	const elapsed = (Date.now() - started) / 1000;
	const sent = Buffer.byteLength(terminal.text);
	// The burst (one second's worth) plus the rate over the time.
	assert.ok(sent <= 20_000 * (1 + elapsed) + 3100, `sent ${sent} bytes in ${elapsed} s`);
	writer.close();
	model.feed(terminal.text);
	assert.deepEqual(model.screen, frame(n - 1).split('\n'), 'the last frame is on screen, whole');
});
