// The Docker stats source against a stand-in daemon that behaves as dockerd does (checked on a
// real one): one stream per container, a sample every second, samples whose `read` is
// 0001-01-01 while the container is not running, the stream going on across stop and start,
// and ending when the container is removed.
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {createDockerStatsSource, type DockerStatsOptions} from '../../source/adapters/docker/stats.ts';
import {waitUntil} from '../helpers/wait.ts';

interface Container {
	running: boolean;
	restarts: number;
	removed: boolean;
}

function standInDaemon(container: Container) {
	const streams: PassThrough[] = [];
	let inspects = 0;
	const notFound = () => Object.assign(new Error('(HTTP code 404) no such container'), {statusCode: 404});
	const docker = {
		modem: {socketPath: '/run/stand-in.sock'},
		getContainer: () => ({
			async inspect() {
				inspects++;
				if (container.removed) throw notFound();
				return {
					RestartCount: container.restarts,
					State: {Status: container.running ? 'running' : 'exited', Running: container.running, Restarting: false, ExitCode: container.running ? 0 : 137, OOMKilled: false, StartedAt: '2026-12-07T10:00:00.000000000Z'},
				};
			},
			async stats(options: {stream?: boolean}) {
				assert.equal(options.stream, true, 'one long-lived stream, not a request per reading');
				if (container.removed) throw notFound();
				const stream = new PassThrough();
				streams.push(stream);
				return stream;
			},
		}),
	} as unknown as Docker;
	const sample = (memory: number) => {
		const body = container.running
			? {read: new Date().toISOString(), memory_stats: {usage: memory, limit: 1000, stats: {inactive_file: 0}}, cpu_stats: {cpu_usage: {total_usage: 200}, system_cpu_usage: 2000, online_cpus: 2}, precpu_stats: {cpu_usage: {total_usage: 100}, system_cpu_usage: 1000}}
			: {read: '0001-01-01T00:00:00Z', memory_stats: {}, cpu_stats: {cpu_usage: {total_usage: 0}}, precpu_stats: {cpu_usage: {total_usage: 0}}};
		// dockerd writes each sample as one JSON line; a chunk may carry part of one.
		const text = `${JSON.stringify(body)}\n`;
		const live = streams.at(-1)!;
		live.write(text.slice(0, 40));
		live.write(text.slice(40));
	};
	return {docker, streams, sample, inspects: () => inspects};
}

/** A source on a running container, its stream open and its first sample (memory 500) read. */
async function opened(role: 'stable' | 'canary', options: DockerStatsOptions) {
	const container: Container = {running: true, restarts: 0, removed: false};
	const daemon = standInDaemon(container);
	const stats = createDockerStatsSource(daemon.docker, {stable: 'engine-stable', canary: 'engine-canary'}, options);
	const first = stats.read(role);
	await waitUntil('the stream open', () => daemon.streams.length === 1);
	daemon.sample(500);
	return {container, daemon, stats, reading: await first};
}

test('Docker stats: one stream per container; a sample is parsed only when a reading is due; start and stop are seen at once and inspected', async () => {
	const {container, daemon, stats, reading} = await opened('stable', {intervalMs: 60_000, inspectEveryMs: 60_000});
	try {
		assert.deepEqual({memUsed: reading.memUsed, memLimit: reading.memLimit, cpuPercent: reading.cpuPercent, restarts: reading.restarts, state: reading.state}, {memUsed: 500, memLimit: 1000, cpuPercent: 20, restarts: 0, state: 'running'});
		// Samples that come before the next reading is due change nothing and inspect nothing.
		for (let i = 0; i < 20; i++) daemon.sample(600 + i);
		await waitUntil('the samples read', () => daemon.streams[0]!.readableLength === 0 && daemon.streams[0]!.writableLength === 0);
		assert.equal((await stats.read('stable')).memUsed, 500);
		assert.equal(daemon.inspects(), 1, 'inspected once, when the stream opened');
		// The container stops (dockerd sends empty samples): seen at the next sample, state from inspect.
		container.running = false;
		daemon.sample(0);
		const stopped = await waitUntil('the stopped reading', async () => {
			const r = await stats.read('stable');
			return r.state === 'exited' ? r : null;
		});
		assert.deepEqual({memUsed: stopped.memUsed, cpuPercent: stopped.cpuPercent, exitCode: stopped.exitCode}, {memUsed: 0, cpuPercent: null, exitCode: 137});
		// It starts again under its restart policy: the same stream goes on, the restart is counted.
		container.running = true;
		container.restarts = 1;
		daemon.sample(700);
		const again = await waitUntil('the restarted reading', async () => {
			const r = await stats.read('stable');
			return r.state === 'running' && r.restarts === 1 ? r : null;
		});
		assert.equal(again.memUsed, 700, 'the first sample after a start is read even before a reading is due');
		assert.equal(daemon.streams.length, 1, 'one stream all along');
		assert.equal(daemon.inspects(), 3);
	} finally {
		stats.close();
	}
});

test('Docker stats: a lifecycle event (stale) reads the restart count again without waiting for the next inspection', async () => {
	const {container, stats, reading} = await opened('canary', {intervalMs: 60_000, inspectEveryMs: 60_000});
	try {
		assert.equal(reading.restarts, 0);
		// A restart faster than a sample: the stream never shows the container stopped.
		container.restarts = 1;
		stats.stale?.('canary');
		await waitUntil('the new restart count', async () => (await stats.read('canary')).restarts === 1);
	} finally {
		stats.close();
	}
});

test('Docker stats: a stream that goes silent is reported and opened again; a removed container is named', async () => {
	const {container, daemon, stats} = await opened('stable', {intervalMs: 1000, silentMs: 1200});
	try {
		// Nothing more arrives (a host that vanished without closing): given up, said, opened again.
		const error = await waitUntil('the silence reported', () => stats.read('stable').then(() => null, (e: Error) => e), {timeoutMs: 10_000});
		assert.match(error.message, /no stats from Docker at unix:\/\/\/run\/stand-in\.sock for 1 s/);
		assert.ok(daemon.streams[0]!.destroyed, 'the silent stream is closed');
		await waitUntil('a second stream', () => daemon.streams.length === 2, {timeoutMs: 10_000});
		daemon.sample(800);
		await waitUntil('figures again', async () => (await stats.read('stable')).memUsed === 800);
		// Removed: dockerd ends the stream; the name is what is missing.
		container.removed = true;
		daemon.streams.at(-1)!.end();
		const gone = await waitUntil('the removal reported', () => stats.read('stable').then(() => null, (e: Error) => e), {timeoutMs: 10_000});
		assert.match(gone.message, /no container named engine-stable/);
	} finally {
		stats.close();
	}
});
