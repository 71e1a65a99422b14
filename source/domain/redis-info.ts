// Redis as the guide checks it (`redis-cli ping`, `redis-cli info replication`): PING latency,
// memory against maxmemory, the hit ratio from keyspace_hits/misses deltas, evictions, clients,
// replication role and persistence. Pure: readings in, figures and a verdict row out.

import type {CheckState} from './figures.ts';
import type {Row} from './verdict-checks.ts';

export interface RedisStats {
	usedMemory: number;
	/** 0: no limit. */
	maxMemory: number;
	keyspaceHits: number;
	keyspaceMisses: number;
	evictedKeys: number;
	connectedClients: number;
	/** master or slave (as INFO says), with the replicas or the link state. */
	role: string;
	replication: string;
	/** "rdb ok, 3 changes unsaved" / "aof on" / "off". */
	persistence: string;
	persistenceOk: boolean;
	version: string | null;
	/** Seconds since the server started: a restart shows as a smaller number. */
	uptimeSec: number | null;
}

export type RedisReading = {at: number; ok: true; pingMs: number; stats: RedisStats; via: string} | {at: number; ok: false; error: string; via: string};

/** INFO's `key:value` lines (sections and comments skipped). Values stay strings. */
export function parseInfo(text: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		if (!line || line.startsWith('#')) continue;
		const colon = line.indexOf(':');
		if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
	}
	return out;
}

const int = (value: string | undefined): number => {
	const n = Number(value);
	return Number.isFinite(n) ? n : 0;
};

export function statsFromInfo(text: string): RedisStats {
	const info = parseInfo(text);
	const role = info.role ?? '?';
	const replication = role === 'master' ? `${int(info.connected_slaves)} replicas` : `link ${info.master_link_status ?? '?'} to ${info.master_host ?? '?'}:${info.master_port ?? '?'}`;
	const rdbOk = (info.rdb_last_bgsave_status ?? 'ok') === 'ok';
	const aofOn = info.aof_enabled === '1';
	const aofOk = (info.aof_last_write_status ?? 'ok') === 'ok';
	const unsaved = int(info.rdb_changes_since_last_save);
	const parts = [`rdb ${rdbOk ? 'ok' : 'FAILED'}${unsaved > 0 ? `, ${unsaved} changes unsaved` : ''}`];
	if (aofOn) parts.push(`aof ${aofOk ? 'ok' : 'FAILED'}`);
	return {
		usedMemory: int(info.used_memory),
		maxMemory: int(info.maxmemory),
		keyspaceHits: int(info.keyspace_hits),
		keyspaceMisses: int(info.keyspace_misses),
		evictedKeys: int(info.evicted_keys),
		connectedClients: int(info.connected_clients),
		role,
		replication,
		persistence: parts.join(', '),
		persistenceOk: rdbOk && (!aofOn || aofOk),
		version: info.redis_version ?? null,
		uptimeSec: info.uptime_in_seconds === undefined ? null : int(info.uptime_in_seconds),
	};
}

export interface RedisFigures {
	/** The newest reading. */
	latest: RedisReading | null;
	/** Since when Redis has not answered (ms since epoch), null while it answers. */
	downSince: number | null;
	/** Hits / (hits + misses) between the window's oldest and newest answer; null without lookups. */
	hitRatio: number | null;
	lookups: number;
	/** Keys evicted within the window. */
	evictions: number;
	/** Median PING of the window, ms: one slow answer while the host is busy is no trend. */
	pingMedianMs: number | null;
	windowSec: number;
}

/** Figures over the readings of a window (oldest first). Counters that went down mean a restart: counted from there. */
export function redisFigures(readings: readonly RedisReading[], windowSec: number, downSince: number | null): RedisFigures {
	const ok = readings.filter((r): r is Extract<RedisReading, {ok: true}> => r.ok);
	let lookups = 0;
	let hits = 0;
	let evictions = 0;
	for (let i = 1; i < ok.length; i++) {
		const a = ok[i - 1]!.stats;
		const b = ok[i]!.stats;
		const delta = (x: number, y: number) => (y >= x ? y - x : y);
		hits += delta(a.keyspaceHits, b.keyspaceHits);
		lookups += delta(a.keyspaceHits, b.keyspaceHits) + delta(a.keyspaceMisses, b.keyspaceMisses);
		evictions += delta(a.evictedKeys, b.evictedKeys);
	}
	const pings = ok.map((r) => r.pingMs).sort((a, b) => a - b);
	return {
		latest: readings.at(-1) ?? null,
		downSince,
		hitRatio: lookups > 0 ? hits / lookups : null,
		lookups,
		evictions,
		pingMedianMs: pings.length > 0 ? pings[Math.floor((pings.length - 1) / 2)]! : null,
		windowSec,
	};
}

const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

/**
 * The verdict's Redis row. Both engines use the same Redis, so its state is the same for both:
 * unreachable FAILs (a canary judged healthy while its cache is gone would mislead), a slow PING
 * or evictions WARN.
 */
export function redisCheck(figures: RedisFigures, latencyWarnMs: number, name: string): Row {
	const latest = figures.latest;
	const row: Row = {id: 'redis', label: 'redis', stable: null, canary: null, unit: 'ms', threshold: `fail if unreachable, warn: PING median > ${latencyWarnMs} ms or evictions`, windowSec: figures.windowSec, n: null, state: 'NO DATA', reason: `no reading of ${name} yet`};
	if (!latest) return row;
	if (!latest.ok) {
		const since = figures.downSince ?? latest.at;
		return {...row, state: 'FAIL', reason: `${name} unreachable since ${clock(since)} (${latest.error}): both engines lose their cache`};
	}
	const ping = figures.pingMedianMs ?? latest.pingMs;
	let state: CheckState = 'PASS';
	const why: string[] = [];
	if (ping > latencyWarnMs) {
		state = 'WARN';
		why.push(`PING median ${ping.toFixed(1)} ms > ${latencyWarnMs} ms`);
	}
	if (figures.evictions > 0) {
		state = 'WARN';
		why.push(`${figures.evictions} keys evicted (maxmemory reached)`);
	}
	const hit = figures.hitRatio === null ? 'no lookups' : `hit ratio ${(figures.hitRatio * 100).toFixed(1)} %`;
	return {...row, stable: ping, canary: ping, n: figures.lookups, state, reason: why.length > 0 ? `${name}: ${why.join('; ')} over ${figures.windowSec} s` : `${name} answers PING in ${latest.pingMs.toFixed(1)} ms, ${hit}, no evictions over ${figures.windowSec} s`};
}
