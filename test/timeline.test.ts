import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Timeline, parseEvent} from '../source/core/monitor/timeline.ts';
import {createEventFile} from '../source/adapters/files/event-file.ts';
import {Automation} from '../source/core/automation/automation.ts';
import type {NotifyEvent} from '../source/core/automation/notify.ts';
import {startMiniDeployment} from './helpers/mini-deployment.ts';

// The timeline file: shared by consoles, what they all observed shown once, bounded by days
// and bytes; damaged or hostile lines are skipped, never thrown.

const DAY = 86_400_000;

function files() {
	const dir = mkdtempSync(join(tmpdir(), 'timeline-test-'));
	return {path: join(dir, 'timeline.jsonl'), done: () => rmSync(dir, {recursive: true, force: true})};
}

test('two consoles: each sees what the other adds; what both observed shows once, what people did always shows', async () => {
	const f = files();
	try {
		let now = Date.UTC(2026, 0, 5, 10, 0, 0);
		const make = (id: string) => new Timeline({file: createEventFile(f.path), console: id, now: () => now, changed: () => {}});
		const a = make('host-a:1');
		const b = make('host-b:2');
		await Promise.all([a.ready, b.ready]);
		a.add({kind: 'operator', source: 'alice@host-a', text: 'promote 90/10 -> 50/50', outcome: 'verified'});
		a.add({kind: 'lifecycle', source: 'canary', text: 'canary OOM killed'});
		now += 2000;
		b.add({kind: 'lifecycle', source: 'canary', text: 'canary OOM killed'});
		b.add({kind: 'note', source: 'bob@host-b', text: 'looking at memory'});
		await Promise.all([a.written(), b.written()]);
		await Promise.all([a.refresh(), b.refresh()]);
		const texts = (t: Timeline) => t.events.map((event) => `${event.kind}:${event.text}`);
		assert.deepEqual(texts(a), ['operator:promote 90/10 -> 50/50', 'lifecycle:canary OOM killed', 'note:looking at memory']);
		assert.deepEqual(texts(b), texts(a));
		// A third console started later reads the same from the file.
		const c = make('host-c:3');
		await c.ready;
		assert.deepEqual(texts(c), texts(a));
	} finally {
		f.done();
	}
});

test('at start the file is cut to the days and bytes kept; damaged and foreign lines are skipped', async () => {
	const f = files();
	try {
		const now = Date.UTC(2026, 0, 30);
		const line = (at: number, text: string) => JSON.stringify({at, kind: 'note', source: 'x@y', text, console: 'h:1'});
		const lines = [line(now - 20 * DAY, 'three weeks ago'), line(now - 2 * DAY, 'two days ago'), '{"at": "broken', JSON.stringify({at: now, kind: 'rm -rf', text: 'x'}), line(now - DAY, 'yesterday')];
		writeFileSync(f.path, `${lines.join('\n')}\n`);
		const t = new Timeline({file: createEventFile(f.path), console: 'h:2', now: () => now, changed: () => {}});
		await t.ready;
		assert.deepEqual(t.events.map((event) => event.text), ['two days ago', 'yesterday']);
		assert.doesNotMatch(readFileSync(f.path, 'utf8'), /three weeks ago/);

		// Bytes: 3,000 notes of ~100 bytes with a 64 KB bound keep the newest that fit.
		writeFileSync(f.path, `${Array.from({length: 3000}, (_, i) => line(now - 1000 + i, `note ${i} ${'x'.repeat(40)}`)).join('\n')}\n`);
		const bounded = new Timeline({file: createEventFile(f.path), console: 'h:3', now: () => now, changed: () => {}, keepBytes: 64 * 1024});
		await bounded.ready;
		assert.ok(statSync(f.path).size <= 64 * 1024, `file cut to ${statSync(f.path).size} bytes`);
		assert.match(bounded.events.at(-1)!.text, /^note 2999 /);
		assert.ok(bounded.events.length > 100 && bounded.events.length < 3000);
	} finally {
		f.done();
	}
});

test('parseEvent keeps only the fields of an event, bounded', () => {
	const event = parseEvent(JSON.stringify({at: 1, kind: 'note', source: 's', text: 'y'.repeat(2000), console: 'c', extra: {deep: true}}));
	assert.deepEqual(Object.keys(event ?? {}).sort(), ['at', 'console', 'kind', 'source', 'text']);
	assert.equal(event?.text.length, 500);
	assert.equal(parseEvent('null'), null);
	assert.equal(parseEvent(JSON.stringify({at: 'soon', kind: 'note', text: 'x'})), null);
});

test('a note goes to the webhooks with who wrote it', async () => {
	const deployment = await startMiniDeployment();
	const sent: NotifyEvent[] = [];
	const automation = new Automation(deployment.monitor, {notifier: {notify: (event) => sent.push(event)}});
	try {
		automation.start({timer: false});
		const result = await deployment.monitor.note('paging the owner of the cache');
		assert.deepEqual(result, {ok: true});
		const note = sent.find((event) => event.type === 'note');
		assert.match(note?.text ?? '', /^note by .+@.+: paging the owner of the cache$/);
		assert.equal(note?.details?.note, 'paging the owner of the cache');
	} finally {
		await automation.stop();
		await deployment.close();
	}
});
