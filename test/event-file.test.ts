import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createEventFile} from '../source/adapters/files/event-file.ts';
import {waitUntil} from './helpers/wait.ts';

// The timeline file is cut at start while other consoles append to it without a lock: no line
// they append during the cut may be lost. Two writers: this process cutting, another process
// appending line after line as a second console does.

const WRITER = `
import {createEventFile} from './source/adapters/files/event-file.ts';
const file = createEventFile(process.argv[1]);
for (let i = 0; i < Number(process.argv[2]); i++) {
	const result = await file.append([JSON.stringify({at: Date.now(), kind: 'note', source: 'b', text: 'line ' + i, console: 'b'})]);
	if (!result.ok) throw new Error(result.message);
}
`;

test('a line another console appends while the file is cut is not lost', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'canary-event-file-'));
	const path = join(dir, 'timeline.jsonl');
	// Two weeks and more of old events: each cut has a few MB to read, drop and rewrite.
	const old = Array.from({length: 30_000}, (_, i) => JSON.stringify({at: 1_000 + i, kind: 'note', source: 'a', text: `old ${i} ${'x'.repeat(60)}`, console: 'a'}));
	writeFileSync(path, `${old.join('\n')}\n`);
	const count = 5000;
	const writer = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER, path, String(count)], {cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'ignore', 'pipe']});
	let stderr = '';
	writer.stderr.on('data', (chunk) => (stderr += chunk));
	const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
	let done = false;
	void exited.then(() => (done = true));
	const file = createEventFile(path);
	const cutoff = 1_000 + 29_000;
	// Cut over and over while the other console writes: each cut keeps the newest old lines and
	// every line of the writer (their time is now).
	await waitUntil('the writer started', () => existsSync(path) && readFileSync(path, 'utf8').includes('"source":"b"'), 20_000);
	let cuts = 0;
	while (!done) {
		// Refill so that every cut rewrites the file.
		writeFileSync(path, `${old.slice(0, 2000).join('\n')}\n`, {flag: 'a'});
		await file.compact((line) => (JSON.parse(line) as {at: number}).at >= cutoff, 4 << 20);
		cuts++;
	}
	assert.equal(await exited, 0, stderr);
	const text = readFileSync(path, 'utf8');
	const written = new Set(text.split('\n').filter((line) => line.includes('"source":"b"')).map((line) => (JSON.parse(line) as {text: string}).text));
	const missing = Array.from({length: count}, (_, i) => `line ${i}`).filter((line) => !written.has(line));
	assert.ok(cuts >= 3, `the file was cut ${cuts} times while the writer wrote`);
	assert.deepEqual(missing, [], `lost ${missing.length} of ${count} lines over ${cuts} cuts`);
	assert.equal(existsSync(`${path}.cut.lock`), false, 'the cut lock is gone');
	// A second console starting meanwhile finds the lock and leaves the file alone.
	writeFileSync(`${path}.cut.lock`, '1');
	const before = readFileSync(path, 'utf8');
	await file.compact(() => false, 1);
	assert.equal(readFileSync(path, 'utf8'), before);
});
