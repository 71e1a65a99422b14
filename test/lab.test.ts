import {test} from 'node:test';
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import type {EngineRole, LogGap, LogSink, RawLine} from '../source/core/types.ts';
import {startLab} from '../source/lab/lab.ts';
import {createLabLogs, createLineSplitter} from '../source/lab/lab-logs.ts';
import {parseCpuTicks, parseVmRss} from '../source/lab/lab-stats.ts';
import {alive} from './helpers/processes.ts';
import {positionsServed} from './helpers/engine-counts.ts';
import {waitUntil} from './helpers/wait.ts';



function collector() {
	const lines: Record<EngineRole, RawLine[]> = {stable: [], canary: []};
	const gaps: LogGap[] = [];
	const sink: LogSink = {lines: (batch) => lines[batch[0].engine].push(...batch), gap: (gap) => gaps.push(gap), status: () => {}};
	return {lines, gaps, sink};
}

test('the line splitter joins lines across chunks and bounds a line that never ends', () => {
	const out: string[] = [];
	const splitter = createLineSplitter((lines) => out.push(...lines), 10);
	splitter.push('{"a":');
	splitter.push('1}\r\nsecond\nthi');
	splitter.push('rd');
	assert.deepEqual(out, ['{"a":1}', 'second']);
	splitter.push('x'.repeat(25));
	assert.equal(out.length, 3);
	assert.equal(out[2], 'third' + 'x'.repeat(5));
	splitter.push('tail');
	splitter.end();
	assert.deepEqual(out.slice(3), ['tail']);
});

test('lab logs deliver stdout and stderr lines, replay a bounded tail, and pass gaps on', () => {
	const logs = createLabLogs({tail: 2, now: () => 42});
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	logs.attach('canary', {stdout, stderr});
	stdout.write('one\ntwo\nthree\n');
	stderr.write('INFO:     uvicorn\n');
	const {lines, gaps, sink} = collector();
	const controller = new AbortController();
	logs.follow('canary', sink, controller.signal);
	assert.deepEqual(lines.canary.map((l) => l.text), ['three', 'INFO:     uvicorn']);
	assert.deepEqual(lines.canary.map((l) => l.stream), ['stdout', 'stderr']);
	stdout.write('four\n');
	logs.gap({engine: 'canary', at: 1, gapMs: 400, reason: 'engine-canary restarted, 0.4 s gap'});
	controller.abort();
	stdout.write('five\n');
	assert.deepEqual(lines.canary.map((l) => l.text).slice(2), ['four']);
	assert.equal(lines.canary[2].time, 42);
	assert.equal(gaps.length, 1);
});

test('/proc parsing: VmRSS in bytes, utime + stime even with spaces in the name', () => {
	assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t   91234 kB\n'), 91234 * 1024);
	assert.equal(parseVmRss('Name:\tnode\n'), null);
	const stat = '1234 (node a) b) S 1 1234 1234 0 -1 4194560 5000 0 0 0 150 25 0 0 20 0 11 0 100 0 0';
	assert.equal(parseCpuTicks(stat), 175);
});

test('startLab: engines answer, load flows through the balancer, logs and stats arrive, restart marks a gap, stop leaves no process', async () => {
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 50});
	const startPids = lab.pids();
	try {
		assert.equal(lab.balancerKind, 'lab');
		assert.equal(startPids.length, 4, 'two engines, the balancer and the load generator');
		const {lines, gaps, sink} = collector();
		const controller = new AbortController();
		for (const role of ['stable', 'canary'] as const) lab.logs.follow(role, sink, controller.signal);

		for (const [role, version] of [['stable', '1.1.0'], ['canary', '1.2.0']] as const) {
			const health = await (await fetch(`${lab.urls[role]}/healthz`)).json();
			assert.equal(health.version, version);
			assert.equal(lab.urls[role], `http://${lab.roles[role]}`);
		}

		// Load reaches both engines through the balancer, and each engine's log shows it.
		// Counted by each engine's own counter: the lab's config, as the guide's, adds no X-Upstream.
		await waitUntil('load through both engines', async () => (await positionsServed(lab.urls.stable)) > 10 && (await positionsServed(lab.urls.canary)) > 0);
		await waitUntil('request logs from both engines', () =>
			(['stable', 'canary'] as const).every((role) => lines[role].some((l) => l.stream === 'stdout' && JSON.parse(l.text).message === 'HTTP request processed')),
		);
		assert.ok(lines.stable.some((l) => l.stream === 'stderr' && l.text.startsWith('INFO:     ')));
		const served = {stable: await positionsServed(lab.urls.stable), canary: await positionsServed(lab.urls.canary)};
		assert.ok(served.stable > served.canary, JSON.stringify(served));
		assert.deepEqual((await lab.load.stats()).byUpstream, {}, 'no answer names its engine');

		const first = await lab.stats.read('canary');
		assert.ok(first.memUsed > 10_000_000 && first.memUsed < first.memLimit);
		const second = await waitUntil('a cpu reading', async () => {
			await new Promise((resolve) => setTimeout(resolve, 100));
			const reading = await lab.stats.read('canary');
			return reading.cpuPercent !== null && reading;
		});
		assert.ok(second.cpuPercent! >= 0 && second.cpuPercent! < 400);

		await lab.setFaults('canary', {errorRate: 1});
		assert.ok((await fetch(`${lab.urls.canary}/v1/positions`, {method: 'POST', body: '{"when":{"utc":"2024-01-01T00:00:00Z"},"system":"tropical","bodies":["Sun"]}'})).status >= 500);

		const reload = await lab.proxy.reload();
		assert.ok(reload.ok, reload.output);

		const oldCanary = startPids[1];
		await lab.restartEngine('canary');
		assert.equal(gaps.length, 1);
		assert.match(gaps[0].reason, /^engine-canary restarted, \d+\.\d s gap$/);
		assert.ok(!alive(oldCanary));
		assert.equal((await lab.stats.read('canary')).restarts, 1);
		// Same port after the restart, and the faults were kept.
		const faults = await (await fetch(`${lab.urls.canary}/__lab/faults`)).json();
		assert.equal(faults.errorRate, 1);
		controller.abort();
	} finally {
		const pids = lab.pids();
		await lab.stop();
		for (const pid of [...startPids, ...pids]) assert.ok(!alive(pid), `pid ${pid} still alive`);
	}
});
