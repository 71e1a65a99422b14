import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {LogStore} from '../source/core/monitor/log-store.ts';
import type {RawLine} from '../source/core/types.ts';
import {LogTail} from '../source/ui/log-panel.tsx';
import {historyNote} from '../source/ui/log-model.ts';

// Lines that aged out of the bounded history were received and shown: the screen says they are
// no longer kept. "dropped" is only for lines the console failed to read, in the error colour.

const strip = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');
const line = (engine: 'stable' | 'canary', n: number): RawLine => ({engine, stream: 'stdout', time: 1_700_000_000_000 + n, text: JSON.stringify({timestamp: new Date(1_700_000_000_000 + n).toISOString(), level: 'INFO', message: `request ${n} served`})});

test('lines aged out of the history read as "older lines not kept", never as dropped', () => {
	const store = new LogStore(10, () => {});
	assert.equal(historyNote(store), '', 'nothing said before anything aged out');
	store.sink.lines(Array.from({length: 30}, (_, n) => line('stable', n)));
	store.sink.lines(Array.from({length: 5}, (_, n) => line('canary', n)));
	store.close();
	assert.equal(historyNote(store).trim(), 'older lines not kept (history 20 lines)');
	assert.doesNotMatch(historyNote(store), /dropped/);
});

test('the log tail says how many lines were dropped as an error, and still shows the newest line', () => {
	const store = new LogStore(100, () => {});
	store.sink.lines(Array.from({length: 8}, (_, n) => line('stable', n)));
	store.close();
	const events = store.rings.stable.toArray();
	const {lastFrame} = render(<LogTail events={events} width={100} height={5} dropped={1234} title="log tail" />);
	const out = strip(lastFrame() ?? '').split('\n');
	assert.equal(out.length, 5);
	assert.match(out[1]!, /^1,234 lines dropped: received but could not be read/);
	assert.match(out[4]!, /request 7 served/, 'the newest line stays on screen');
	const clean = render(<LogTail events={events} width={100} height={5} dropped={0} title="log tail" />);
	assert.doesNotMatch(strip(clean.lastFrame() ?? ''), /dropped/);
});
