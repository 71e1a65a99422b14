import {test} from 'node:test';
import assert from 'node:assert/strict';
import {redisCheck, redisFigures, statsFromInfo, type RedisReading} from '../source/domain/redis-info.ts';

// INFO as Redis 7 writes it (CRLF, sections, comments), and the figures behind the Redis check.

const info = (fields: Record<string, string | number>) => ['# Server', 'redis_version:7.0.15', '# Stats', ...Object.entries(fields).map(([k, v]) => `${k}:${v}`)].join('\r\n');

test('INFO fields: memory, hits, evictions, clients, role and persistence', () => {
	const cases: Array<[Record<string, string | number>, Partial<ReturnType<typeof statsFromInfo>>]> = [
		[{used_memory: 1048576, maxmemory: 0, role: 'master', connected_slaves: 2, rdb_last_bgsave_status: 'ok', rdb_changes_since_last_save: 0}, {usedMemory: 1048576, maxMemory: 0, role: 'master', replication: '2 replicas', persistence: 'rdb ok', persistenceOk: true, version: '7.0.15'}],
		[{role: 'slave', master_host: 'redis-main', master_port: 6379, master_link_status: 'down', rdb_changes_since_last_save: 12}, {role: 'slave', replication: 'link down to redis-main:6379', persistence: 'rdb ok, 12 changes unsaved'}],
		[{role: 'master', aof_enabled: 1, aof_last_write_status: 'err', rdb_last_bgsave_status: 'err'}, {persistence: 'rdb FAILED, aof FAILED', persistenceOk: false}],
		[{keyspace_hits: 90, keyspace_misses: 10, evicted_keys: 3, connected_clients: 7}, {keyspaceHits: 90, keyspaceMisses: 10, evictedKeys: 3, connectedClients: 7}],
	];
	for (const [fields, want] of cases) {
		const stats = statsFromInfo(info(fields));
		for (const [key, value] of Object.entries(want)) assert.deepEqual(stats[key as keyof typeof stats], value, `${key} of ${JSON.stringify(fields)}`);
	}
});

test('the hit ratio comes from deltas; a restart (counters down) counts from the new values; unreachable FAILs with since when', () => {
	const at = Date.UTC(2026, 0, 1, 12, 0, 0);
	const ok = (s: number, hits: number, misses: number, evicted = 0, pingMs = 0.3): RedisReading => ({at: at + s * 1000, ok: true, pingMs, via: 'test', stats: statsFromInfo(info({keyspace_hits: hits, keyspace_misses: misses, evicted_keys: evicted, role: 'master'}))});
	const figures = redisFigures([ok(0, 100, 100), ok(2, 180, 120), ok(4, 10, 0)], 60, null);
	assert.equal(figures.lookups, 100 + 10);
	assert.equal(figures.hitRatio, 90 / 110);
	assert.equal(redisCheck(figures, 50, 'redis-canary').state, 'PASS');
	assert.equal(redisCheck(redisFigures([ok(0, 0, 0), ok(2, 0, 0, 0, 80)], 60, null), 50, 'r').state, 'PASS', 'one slow PING is no trend');
	assert.equal(redisCheck(redisFigures([ok(0, 0, 0), ok(2, 0, 0, 0, 80), ok(4, 0, 0, 0, 90)], 60, null), 50, 'r').state, 'WARN');
	const down: RedisReading = {at: at + 6000, ok: false, error: 'connect ECONNREFUSED', via: 'test'};
	const row = redisCheck(redisFigures([ok(0, 1, 1), down], 60, at + 5000), 50, 'redis-canary');
	assert.equal(row.state, 'FAIL');
	assert.equal(row.reason, 'redis-canary unreachable since 12:00:05 (connect ECONNREFUSED): both engines lose their cache');
	assert.equal(redisCheck(redisFigures([], 60, null), 50, 'r').state, 'NO DATA');
});
