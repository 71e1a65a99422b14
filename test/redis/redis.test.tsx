import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/app.tsx';
import {createRedisSource, type RedisSource} from '../../source/adapters/redis.ts';
import {createGuideParts} from '../../source/core/guide/guide-parts.ts';
import type {ContainerControl} from '../../source/core/guide/containers.ts';
import type {CommandResult} from '../../source/core/types.ts';
import type {RedisReading} from '../../source/domain/redis-info.ts';
import {createLabRedis, findRedisServer} from '../../source/lab/lab-redis.ts';
import {pickPort} from '../../source/lab/lab-process.ts';
import {startMiniDeployment, waitFor} from '../helpers/mini-deployment.ts';

// Redis against a real redis-server (Debian's package): `npm run test:redis`.

const server = findRedisServer();
if (!server) throw new Error('redis-server is not installed: apt-get install redis-server (these tests need a real one)');

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');
const containers: ContainerControl = {name: (t) => t, state: async () => 'running', stop: async () => ({ok: true, exitCode: 0, output: ''}), restart: async () => ({ok: true, exitCode: 0, output: ''})};

/** A source that records every reading it hands out. */
function recording(source: RedisSource) {
	const readings: RedisReading[] = [];
	return {readings, source: {...source, describe: source.describe, read: async () => {
		const reading = await source.read();
		readings.push(reading);
		return reading;
	}, close: () => source.close()} satisfies RedisSource};
}

test('stopping Redis turns the check FAIL in the first poll after, the panel says since when, and a restart recovers', async () => {
	const redis = createLabRedis(server, await pickPort(0));
	await redis.start();
	const deployment = await startMiniDeployment();
	const {readings, source} = recording(createRedisSource({url: redis.url}));
	const guide = createGuideParts(deployment.monitor, deployment.proxy, containers, {redis: {source, name: 'redis-canary'}});
	const size = {columns: 120, rows: 40};
	const app = render(<App monitor={deployment.monitor} guide={guide} size={{get: () => size, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} />);
	const frame = () => strip(app.lastFrame());
	const redisRow = () => deployment.monitor.current().verdict?.checks.find((row) => row.id === 'redis');
	try {
		deployment.monitor.start();
		const up = await waitFor(frame, (text) => /─ redis redis-canary/.test(text) && /PING \d+\.\dms {2}master, 0 replicas/.test(text));
		assert.match(up, /mem \d+M\/64M \d+% {2}clients 1/);
		assert.match(up, /persist rdb ok/);
		await waitFor(redisRow, (row) => row?.state === 'PASS');
		assert.equal(redisRow()?.state, 'PASS');

		const before = readings.length;
		await redis.stop();
		const failed = await waitFor(redisRow, (row) => row?.state === 'FAIL');
		assert.equal(failed?.state, 'FAIL', JSON.stringify(failed));
		const after = readings.slice(before);
		assert.equal(after.filter((r) => !r.ok).length, 1, 'the FAIL came with the first failed reading, in the same poll');
		assert.match(failed!.reason, /redis-canary unreachable since \d\d:\d\d:\d\d \(.*ECONNREFUSED.*\): both engines lose their cache/);
		const down = await waitFor(frame, (text) => /DOWN since \d\d:\d\d:\d\d \(\d+s\)/.test(text));
		assert.match(down, /DOWN since \d\d:\d\d:\d\d \(\d+s\)/);
		// The troubleshooting view has the same panel in its performance section.
		app.stdin.write('6');
		const trouble = await waitFor(frame, (text) => /─ 3 performance degradation/.test(text) && /DOWN since/.test(text));
		assert.match(trouble, /redis redis-canary \(redis:\/\/127\.0\.0\.1:\d+\):\nDOWN since \d\d:\d\d:\d\d \(\d+s\)\n.*ECONNREFUSED/);

		await redis.start();
		const back = await waitFor(redisRow, (row) => row?.state === 'PASS');
		assert.equal(back?.state, 'PASS', JSON.stringify(back));
		assert.doesNotMatch(await waitFor(frame, (text) => !/DOWN since/.test(text)), /DOWN since/);
	} finally {
		app.unmount();
		await deployment.close();
		await redis.stop();
	}
});

test('hit ratio from keyspace deltas, evictions WARN, and redis-cli as the fallback when the port does not answer', async () => {
	const port = await pickPort(0);
	const redis = createLabRedis(server, port);
	await redis.start();
	const cli = (argv: string[]) => new Promise<CommandResult>((resolve) => execFile(argv[0]!, ['-p', String(port), ...argv.slice(1)], (error, stdout, stderr) => resolve({ok: !error, exitCode: error ? 1 : 0, output: `${stdout}${stderr}`})));
	// The published port is wrong here: every reading must come through redis-cli.
	const source = createRedisSource({url: `redis://127.0.0.1:${await pickPort(0)}`, exec: cli, container: 'redis-canary'});
	const direct = createRedisSource({url: redis.url});
	try {
		const first = await source.read();
		assert.ok(first.ok, JSON.stringify(first));
		assert.equal(first.via, 'redis-cli in redis-canary');
		assert.equal(first.stats.role, 'master');
		assert.equal(first.stats.maxMemory, 64 * 1024 * 1024);
		// 3 hits and 1 miss between two readings.
		await cli(['redis-cli', 'set', 'k', 'v']);
		for (const key of ['k', 'k', 'k', 'missing']) await cli(['redis-cli', 'get', key]);
		const second = await direct.read();
		assert.ok(second.ok);
		const {redisFigures, redisCheck} = await import('../../source/domain/redis-info.ts');
		const figures = redisFigures([first, second], 60, null);
		assert.equal(figures.lookups, 4);
		assert.equal(figures.hitRatio, 0.75);
		assert.equal(redisCheck(figures, 50, 'redis-canary').state, 'PASS');
		// A maxmemory below what is used makes Redis evict at the next write.
		await cli(['redis-cli', 'config', 'set', 'maxmemory', '1']);
		await cli(['redis-cli', 'set', 'k2', 'v']);
		const third = await direct.read();
		const evicting = redisCheck(redisFigures([first, second, third], 60, null), 50, 'redis-canary');
		assert.equal(evicting.state, 'WARN');
		assert.match(evicting.reason, /\d+ keys evicted \(maxmemory reached\)/);
		// A password in the URL is sent with AUTH; without it Redis's own refusal is the reason.
		await cli(['redis-cli', 'config', 'set', 'requirepass', 's3cret']);
		const withPassword = createRedisSource({url: `redis://:s3cret@127.0.0.1:${port}`});
		const without = createRedisSource({url: redis.url});
		try {
			assert.equal((await withPassword.read()).ok, true);
			const refused = await without.read();
			assert.ok(!refused.ok && /NOAUTH/.test(refused.error), JSON.stringify(refused));
		} finally {
			await withPassword.close();
			await without.close();
		}
	} finally {
		await source.close();
		await direct.close();
		await redis.stop();
	}
});
