import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {StoredEvent} from '../source/core/monitor/log-store.ts';
import {visibleWidth} from '../source/domain/sanitize.ts';
import {logRow, logViewRows, paint, tailRows, titleRow, type LogViewInput} from '../source/ui/log-rows.ts';
import {Publisher} from '../source/core/monitor/publisher.ts';
import {waitUntil} from './helpers/wait.ts';

// The log panels' rows as the terminal gets them: characters and colour codes.

const ESC = '\u001B';
const plain = (row: string) => row.replace(/\u001B\[[\d;]*m/g, '');

let seq = 0;
const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
	seq: ++seq,
	engine: 'stable',
	stream: 'stdout',
	time: Date.UTC(2026, 0, 1, 10, 0, 0),
	level: 'INFO',
	message: 'served',
	detail: '',
	exception: null,
	raw: 'served',
	...over,
});

const off = {timestamps: false, regex: null, colour: false};
const on = {timestamps: false, regex: null, colour: true};

test('a row: engine tag bold in its colour, the text in its level colour; no code at all with colours off', () => {
	const error = event({engine: 'canary', level: 'ERROR', message: 'boom'});
	assert.equal(logRow(error, 80, off), 'C ERROR boom');
	assert.equal(logRow(error, 80, on), `${ESC}[1m${ESC}[35mC${ESC}[39m${ESC}[22m ${ESC}[31mERROR boom${ESC}[39m`);
	// INFO has no colour of its own.
	assert.equal(logRow(event({message: 'ok'}), 80, on), `${ESC}[1m${ESC}[36mS${ESC}[39m${ESC}[22m INFO  ok`);
});

test('stderr gets a gray !, a gap marker is in the warning colour without one', () => {
	assert.equal(logRow(event({stream: 'stderr', message: 'oops'}), 80, on), `${ESC}[1m${ESC}[36mS${ESC}[22m${ESC}[90m!${ESC}[39mINFO  oops`);
	assert.equal(logRow(event({stream: 'stderr', message: 'oops'}), 80, off), 'S!INFO  oops');
	const gap = event({stream: 'stderr', level: null, gap: 'stream restarted 10:00:00', message: 'stream restarted 10:00:00'});
	assert.equal(logRow(gap, 80, off), 'S ── stream restarted 10:00:00 ──');
	assert.match(logRow(gap, 80, on), new RegExp(`^${ESC}\\[1m${ESC}\\[36mS${ESC}\\[39m${ESC}\\[22m ${ESC}\\[33m── stream`));
});

test('regex matches are inverse in the key colour, the rest keeps the level colour; with colours off the text is unchanged', () => {
	const line = event({level: 'WARN', message: 'slow slow query'});
	const regex = /slow/;
	assert.equal(logRow(line, 80, {...on, regex}), `${ESC}[1m${ESC}[36mS${ESC}[39m${ESC}[22m ${ESC}[33mWARN  ${ESC}[7mslow${ESC}[27m ${ESC}[7mslow${ESC}[27m query${ESC}[39m`);
	assert.equal(logRow(line, 80, {...off, regex}), 'S WARN  slow slow query');
});

test('a selected row is inverse from its tag to its end, and only with colours on', () => {
	const row = logRow(event({message: 'picked'}), 80, {...on, selected: true});
	assert.ok(row.startsWith(`${ESC}[1m${ESC}[7m${ESC}[36mS`), JSON.stringify(row));
	assert.ok(row.endsWith(`INFO  picked${ESC}[27m`), JSON.stringify(row));
	assert.equal(logRow(event({message: 'picked'}), 80, {...off, selected: true}), 'S INFO  picked');
});

test('hostile text: control sequences never reach the row; only our colour codes do', () => {
	const row = logRow(event({message: 'a\u001B[2Jb\u001B]0;title\u0007c\u009B31md\re'}), 80, on);
	assert.doesNotMatch(plain(row), /[\u0000-\u001F\u007F-\u009F]/);
	assert.deepEqual(
		[...row.matchAll(/\u001B\[[^m]*m/g)].map((match) => match[0]),
		[`${ESC}[1m`, `${ESC}[36m`, `${ESC}[39m`, `${ESC}[22m`],
	);
});

test('rows are cut at the width, wide characters whole: never wider than the panel', () => {
	const wide = event({message: '世界'.repeat(40)});
	for (const width of [20, 21, 40, 81]) {
		const row = plain(logRow(wide, width, on));
		assert.ok(visibleWidth(row) <= width - 1, `${width}: ${row}`);
		assert.ok(visibleWidth(row) >= width - 2, `${width}: as much as fits`);
	}
	// A title is `width` columns; the panel (one wider) cuts a longer one with … as Ink does.
	assert.equal(plain(titleRow('x'.repeat(100), 30, true)), `─ ${'x'.repeat(28)}…`);
	assert.equal(titleRow('logs', 12, false), '─ logs ─────');
});

test('the same event and settings give the very same row (built once), other settings another', () => {
	const line = event({message: 'cached'});
	assert.equal(logRow(line, 80, on), logRow(line, 80, on));
	assert.notEqual(logRow(line, 80, on), logRow(line, 80, off));
	assert.notEqual(logRow(line, 80, on), logRow(line, 60, {...on, timestamps: true}));
});

test('paint closes what it opened, in reverse order, and switches between spans', () => {
	assert.equal(paint([{text: 'a', colour: 'red', bold: true}, {text: 'b', colour: 'red'}, {text: 'c', dim: true}], true), `${ESC}[1m${ESC}[31ma${ESC}[22mb${ESC}[39m${ESC}[2mc${ESC}[22m`);
	assert.equal(paint([{text: 'a', colour: 'red', bold: true}], false), 'a');
});

const view = (over: Partial<LogViewInput>): LogViewInput => ({events: [], width: 60, height: 6, offset: 0, timestamps: false, wrap: false, expanded: false, regex: null, header: 'logs', dropped: 0, colour: false, ...over});

test('the panels give exactly their height: the title, the dropped-lines row, the lines, blank rows', () => {
	const events = [1, 2, 3, 4, 5, 6, 7].map((n) => event({message: `line ${n}`}));
	const untimed = (rows: string[]) => rows.map((row) => row.replace(/\d\d:\d\d:\d\d\.\d{3} /, ''));
	// The tail has timestamps; the newest lines, as many as fit.
	assert.deepEqual(untimed(tailRows({events, width: 40, height: 5, dropped: 0, title: 'tail', colour: false})), ['─ tail ────────────────────────────────', 'S INFO  line 4', 'S INFO  line 5', 'S INFO  line 6', 'S INFO  line 7']);
	assert.deepEqual(untimed(tailRows({events: events.slice(0, 1), width: 40, height: 4, dropped: 1234, title: 'tail', colour: false})), ['─ tail ────────────────────────────────', '1,234 lines dropped: received but could…', 'S INFO  line 1', '']);
	assert.deepEqual(logViewRows(view({events, height: 4, offset: 2})).map(plain), ['─ logs ────────────────────────────────────────────────────', 'S INFO  line 3', 'S INFO  line 4', 'S INFO  line 5']);
	assert.deepEqual(logViewRows(view({events: events.slice(0, 2), height: 5, dropped: 3})), ['─ logs ────────────────────────────────────────────────────', '3 lines dropped: received but could not be read', 'S INFO  line 1', 'S INFO  line 2', '']);
});

test('the logs view wraps long lines with the tag on the first part, and expands the selected raw line', () => {
	const long = event({message: 'x'.repeat(70), raw: `raw ${'y'.repeat(100)}`});
	assert.deepEqual(logViewRows(view({events: [long], wrap: true, height: 4})), ['─ logs ────────────────────────────────────────────────────', `S INFO  ${'x'.repeat(51)}`, `  ${'x'.repeat(19)}`, '']);
	const expanded = logViewRows(view({events: [long], expanded: true, height: 8}));
	assert.equal(expanded.length, 8);
	assert.equal(expanded[2], '─ raw line of the selected event ──────────────────────────');
	assert.equal(expanded[3], `raw ${'y'.repeat(54)}`);
	assert.equal(expanded[4], 'y'.repeat(46));
});

test('a publish of log lines alone goes to the log-frame handler; any other change makes it a full one', async () => {
	let builds = 0;
	const publisher = new Publisher(() => ++builds, 100);
	let heard = 0;
	publisher.subscribe(() => heard++);
	let handled = 0;
	const stop = publisher.onLogFrame(() => (handled++, true));
	publisher.changed(0, true);
	await waitUntil('the log frame', () => handled === 1);
	assert.equal(heard, 0, 'no snapshot published');
	assert.equal(publisher.get(), 1, 'and none built');
	publisher.changed(0, true);
	publisher.changed(0, false);
	await waitUntil('the full publish', () => heard === 1);
	assert.equal(handled, 1);
	assert.equal(publisher.get(), 2);
	stop();
	publisher.changed(0, true);
	await waitUntil('a full publish without a handler', () => heard === 2);
	// A handler that cannot draw gets a full publish.
	publisher.onLogFrame(() => false);
	publisher.changed(0, true);
	await waitUntil('a full publish when the handler declines', () => heard === 3);
	publisher.stop();
});
