import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {tarGz} from '../source/adapters/files/tar-gz.ts';

// `canary-console bundle --since 5m --demo`: one .tar.gz whose files are listed and parsed
// here; nothing of the environment goes in.

/** The files of a ustar archive: name and content. */
function untar(gz: Buffer): Map<string, string> {
	const tar = gunzipSync(gz);
	const files = new Map<string, string>();
	for (let offset = 0; offset + 512 <= tar.length; ) {
		const header = tar.subarray(offset, offset + 512);
		if (header.every((byte) => byte === 0)) break;
		const field = (from: number, length: number) => header.subarray(from, from + length).toString('utf8').replace(/\0.*$/s, '');
		let sum = 0;
		for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
		assert.equal(Number.parseInt(field(148, 8), 8), sum, 'header checksum');
		assert.equal(field(257, 6), 'ustar');
		const size = Number.parseInt(field(124, 12), 8);
		files.set(field(0, 100), tar.subarray(offset + 512, offset + 512 + size).toString('utf8'));
		offset += 512 + Math.ceil(size / 512) * 512;
	}
	return files;
}

test('the archive writer: names, sizes and contents survive a round trip, padding included', async () => {
	const files = untar(await tarGz([{name: 'a/one.txt', content: 'x'.repeat(513)}, {name: 'a/empty', content: ''}, {name: 'a/ü.md', content: 'é\n'}]));
	assert.deepEqual([...files.keys()], ['a/one.txt', 'a/empty', 'a/ü.md']);
	assert.equal(files.get('a/one.txt'), 'x'.repeat(513));
	assert.equal(files.get('a/ü.md'), 'é\n');
});

test('bundle --since 5m --demo writes a tarball of logs, series, verdicts, patterns, nginx config, stats, timeline and audit, without environment values', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
	try {
		const stateDir = join(dir, 'state');
		mkdirSync(stateDir);
		const now = Date.now();
		const event = (at: number, text: string) => JSON.stringify({at, kind: 'note', source: 'alice@ops1', text, console: 'ops1:1'});
		writeFileSync(join(stateDir, 'timeline.jsonl'), `${event(now - 60 * 60_000, 'an hour ago')}\n${event(now - 2 * 60_000, 'two minutes ago')}\n`);
		const secret = 'bundle-secret-7f3a9c';
		const out = join(dir, 'incident.tar.gz');
		const child = spawn(process.execPath, ['bin/canary-console.js', 'bundle', '--since', '5m', '--demo', '--state-dir', stateDir, '--out', out], {env: {...process.env, CI: 'true', ENGINE_API_TOKEN: secret}});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		const code = await new Promise((resolve) => child.on('exit', resolve));
		assert.equal(code, 0, stderr);
		assert.match(stdout, new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+\\.\\d KB in \\d+ ms\\)\\n$`));
		const gz = readFileSync(out);
		const files = untar(gz);
		const names = [...files.keys()].map((name) => name.replace(/^canary-bundle-[^/]+\//, ''));
		assert.deepEqual(names, ['README.md', 'logs/stable.log', 'logs/canary.log', 'series.csv', 'verdicts.json', 'patterns.json', 'nginx.conf', 'stats.json', 'timeline.jsonl', 'audit.jsonl', 'probes.json']);
		const file = (name: string) => [...files.entries()].find(([path]) => path.endsWith(`/${name}`))![1];
		assert.match(file('README.md'), /^# Canary incident bundle\n\n- Span: \S+ to \S+\n/);
		assert.match(file('README.md'), /- Split: 90\/10 \(stage 1 of 3\)/);
		assert.match(file('logs/stable.log'), /"message": "Startup: application starting"/);
		assert.equal(file('series.csv').split('\n')[0], 'time,engine,p95_ms,ratio_5xx,mem_percent,rps');
		assert.ok(file('series.csv').split('\n').filter(Boolean).length > 1, 'at least one poll');
		assert.ok(JSON.parse(file('verdicts.json')).now.checks.length > 0);
		assert.ok(Array.isArray(JSON.parse(file('patterns.json'))));
		assert.deepEqual(Object.keys(JSON.parse(file('stats.json'))), ['stable', 'canary', 'services']);
		assert.match(file('nginx.conf'), /upstream involution_engine \{/);
		assert.deepEqual(Object.keys(JSON.parse(file('probes.json'))), ['last', 'lastDiffering']);
		const timeline = file('timeline.jsonl').trim().split('\n').map((line) => JSON.parse(line) as {text: string});
		assert.deepEqual(timeline.map((entry) => entry.text), ['two minutes ago'], 'only the span');
		assert.match(file('README.md'), /alice@ops1: two minutes ago/);
		const all = [...files.values()].join('\n');
		assert.ok(!all.includes(secret), 'no environment value in the bundle');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});

test('a span longer than the kept lines says from when the bundle has them and how many were let go', async () => {
	const {bundleFiles} = await import('../source/core/automation/bundle.ts');
	const now = Date.UTC(2026, 0, 5, 12, 0, 0);
	const events = Array.from({length: 3}, (_, i) => ({seq: i, engine: 'canary', time: now - 60_000 + i, raw: `line ${i}`}));
	const ring = (list: typeof events) => ({length: list.length, toArray: () => list, slice: (from?: number, to?: number) => list.slice(from, to)});
	const snapshot = {
		at: now,
		runtime: {describe: 'lab'},
		proxy: 'lab balancer',
		services: [],
		engines: {stable: {series: [], health: null}, canary: {series: [], health: null}},
		split: {configured: {stable: 90, canary: 10}},
		stage: {index: 0, of: 3, enteredAt: now - 900_000},
		verdict: null,
		verdictHistory: [],
		patterns: [],
		timeline: [],
		logs: {history: 3, rings: {stable: ring([]), canary: ring(events)}, notKept: (role: string) => (role === 'canary' ? 1234 : 0)},
	};
	const files = bundleFiles({snapshot: snapshot as never, since: now - 15 * 60_000, audit: [], nginx: {error: 'not reachable'}}, 'b');
	const text = (name: string) => {
		const content = files.find((file) => file.name === name)!.content;
		return typeof content === 'string' ? content : [...content.chunks()].join('');
	};
	const readme = text('b/README.md');
	assert.match(readme, /^- Log lines of canary from 2026-01-05T11:59:00\.000Z: the console keeps the newest 3 per engine, 1,234 older ones are not in the bundle$/m);
	assert.doesNotMatch(readme, /Log lines of stable/);
	assert.equal(text('b/nginx.conf'), '# not read: not reachable\n');
	assert.equal(text('b/logs/canary.log'), 'line 0\nline 1\nline 2\n');
});

test('the B key\'s saver writes the bundle into the state directory\'s bundles/ and says where and how big', async () => {
	const {bundleSaver} = await import('../source/adapters/files/screen-files.ts');
	const dir = mkdtempSync(join(tmpdir(), 'bundle-key-'));
	try {
		const now = Date.UTC(2026, 0, 5, 12, 0, 0);
		const ring = {length: 0, toArray: () => [], slice: () => []};
		const snapshot = {at: now, runtime: {describe: 'lab'}, proxy: 'p', services: [], engines: {stable: {series: [], health: null}, canary: {series: [], health: null}}, split: {configured: null}, stage: {index: null, of: 3, enteredAt: now}, verdict: null, verdictHistory: [], patterns: [], timeline: [], logs: {history: 10, rings: {stable: ring, canary: ring}, notKept: () => 0}};
		const audit = {path: 'a', append: async () => ({ok: true as const}), check: async () => ({ok: true as const}), lastLine: async () => null, tail: async () => [JSON.stringify({time: new Date(now - 1000).toISOString(), action: 'note', reason: 'x'})]};
		const message = await bundleSaver(dir, audit, undefined)(snapshot as never);
		assert.match(message, /^bundle written \(\d+\.\d KB, last 15 min\): .*\/bundles\/canary-bundle-2026-01-05T12-00-00\.tar\.gz$/);
		const files = untar(readFileSync(join(dir, 'bundles', 'canary-bundle-2026-01-05T12-00-00.tar.gz')));
		assert.match(files.get('canary-bundle-2026-01-05T12-00-00/audit.jsonl') ?? '', /"action":"note"/);
		assert.equal(files.get('canary-bundle-2026-01-05T12-00-00/nginx.conf'), '# not read: the proxy cannot be read here\n');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
