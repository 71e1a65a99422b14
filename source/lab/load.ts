// The lab's load generator: a steady request rate through the balancer, mixing positions
// requests (many repeated, so the cache has hits; a few invalid, so 4xx exist) with /healthz.

import {performance} from 'node:perf_hooks';
import {Pool} from 'undici';
import {BODIES} from './positions.ts';

export interface LoadMix {
	/** Fractions of all requests; the rest are valid positions requests. */
	health: number;
	invalid: number;
	/** Fraction of valid positions requests drawn from a small repeated set (cache hits). */
	repeat: number;
}

export interface LoadOptions {
	url: string;
	rps?: number;
	mix?: Partial<LoadMix>;
	signal?: AbortSignal;
	/** Most requests in flight at once; beyond it a scheduled request is skipped, not queued. */
	maxInFlight?: number;
	random?: () => number;
}

export interface LoadStats {
	sent: number;
	/** Answered with a status below 500. */
	ok: number;
	/** 5xx answers and requests that got no answer at all. */
	failed: number;
	/** Not sent: maxInFlight requests were already waiting, or the process stalled (no catch-up burst). */
	skipped: number;
	/** Count per status code, plus 'error' for requests without an answer. */
	byStatus: Record<string, number>;
	/** Count per answering server (the last address of the X-Upstream header), when present. */
	byUpstream: Record<string, number>;
	/** Recent raw durations in ms, oldest first (bounded ring). */
	durationsMs: number[];
	/** p95 over durationsMs, null before the first answer. */
	p95Ms: number | null;
}

export interface Load {
	stats(): LoadStats;
	setRate(rps: number): void;
	rate(): number;
	stop(): Promise<void>;
}

const DEFAULT_MIX: LoadMix = {health: 0.1, invalid: 0.04, repeat: 0.6};
const RING = 2000;

const REPEATED = Array.from({length: 24}, (_, i) => ({
	when: {utc: new Date(Date.UTC(2000 + i, i % 12, 1 + (i % 28), 12)).toISOString()},
	system: i % 3 === 0 ? 'sidereal' : 'tropical',
	bodies: BODIES.slice(0, 2 + (i % 8)),
}));

const INVALID = [
	'{"when":{"utc":"not a date"},"system":"tropical","bodies":["Sun"]}',
	'{"when":{"utc":"2024-01-01T00:00:00Z"},"system":"galactic","bodies":["Sun"]}',
	'{"when":{"utc":"2024-01-01T00:00:00Z"},"system":"tropical","bodies":["Vulcan"]}',
	'{"when":{"utc":"1200-01-01T00:00:00Z"},"system":"tropical","bodies":["Sun"]}',
	'{"when":',
];

export function percentile(values: readonly number[], q: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export function startLoad(options: LoadOptions): Load {
	const random = options.random ?? Math.random;
	const mix = {...DEFAULT_MIX, ...options.mix};
	const maxInFlight = options.maxInFlight ?? 256;
	const target = new URL(options.url);
	const basePath = target.pathname.replace(/\/$/, '');
	const pool = new Pool(target.origin, {connections: 16, keepAliveTimeout: 4000, pipelining: 1});
	let rps = options.rps ?? 20;
	let stopped = false;
	let inFlight = 0;
	const stats = {sent: 0, ok: 0, failed: 0, skipped: 0, byStatus: {} as Record<string, number>, byUpstream: {} as Record<string, number>};
	const ring: number[] = [];
	let ringAt = 0;
	const pending = new Set<Promise<void>>();

	function pick(): {method: 'GET' | 'POST'; path: string; body?: string} {
		const r = random();
		if (r < mix.health) return {method: 'GET', path: '/healthz'};
		if (r < mix.health + mix.invalid) return {method: 'POST', path: '/v1/positions', body: INVALID[Math.floor(random() * INVALID.length)]};
		if (random() < mix.repeat) {
			// Skewed towards the first few, as real traffic is: a realistic hit rate.
			const i = Math.floor(REPEATED.length * random() * random());
			return {method: 'POST', path: '/v1/positions', body: JSON.stringify(REPEATED[i])};
		}
		const when = new Date(Date.UTC(1900, 0, 1) + Math.floor(random() * 200 * 365.25) * 86_400_000 + Math.floor(random() * 86_400) * 1000);
		const bodies = BODIES.filter(() => random() < 0.5);
		return {method: 'POST', path: '/v1/positions', body: JSON.stringify({when: {utc: when.toISOString()}, system: random() < 0.3 ? 'sidereal' : 'tropical', bodies: bodies.length ? bodies : ['Sun']})};
	}

	function count(key: string, into: Record<string, number>): void {
		into[key] = (into[key] ?? 0) + 1;
	}

	async function fire(): Promise<void> {
		const request = pick();
		stats.sent++;
		inFlight++;
		const t0 = performance.now();
		try {
			const response = await pool.request({
				method: request.method,
				path: basePath + request.path,
				body: request.body,
				headers: {'user-agent': 'loadgen/1.0', ...(request.body ? {'content-type': 'application/json'} : {})},
				headersTimeout: 10_000,
				bodyTimeout: 10_000,
			});
			await response.body.dump();
			const ms = performance.now() - t0;
			if (ring.length < RING) ring.push(ms);
			else ring[ringAt] = ms;
			ringAt = (ringAt + 1) % RING;
			count(String(response.statusCode), stats.byStatus);
			const upstream = response.headers['x-upstream'];
			// After a failover nginx lists every server tried ("a, b"): the last one answered.
			if (typeof upstream === 'string') count(upstream.split(',').at(-1)!.trim(), stats.byUpstream);
			if (response.statusCode >= 500) stats.failed++;
			else stats.ok++;
		} catch {
			count('error', stats.byStatus);
			stats.failed++;
		} finally {
			inFlight--;
		}
	}

	// The schedule is anchored at a start time: request n is due at start + n / rps, so timer
	// wobble never accumulates into drift. After a stall we re-anchor instead of firing the
	// missed requests in a burst.
	let anchor = performance.now();
	let issued = 0;
	let timer: NodeJS.Timeout | null = null;

	function tick(): void {
		timer = null;
		if (stopped) return;
		const now = performance.now();
		if (rps > 0) {
			const due = Math.floor(((now - anchor) * rps) / 1000);
			if (due - issued > Math.max(2, rps / 4)) {
				stats.skipped += due - issued;
				anchor = now;
				issued = 0;
			} else {
				for (; issued < due; issued++) {
					if (inFlight >= maxInFlight) {
						stats.skipped++;
						continue;
					}
					const p = fire();
					pending.add(p);
					void p.finally(() => pending.delete(p));
				}
			}
		}
		const next = rps > 0 ? anchor + ((issued + 1) * 1000) / rps : now + 200;
		timer = setTimeout(tick, Math.max(1, Math.min(200, next - performance.now())));
	}
	timer = setTimeout(tick, 0);

	const load: Load = {
		stats() {
			const durationsMs = ring.length < RING ? [...ring] : [...ring.slice(ringAt), ...ring.slice(0, ringAt)];
			return {...stats, byStatus: {...stats.byStatus}, byUpstream: {...stats.byUpstream}, durationsMs, p95Ms: percentile(durationsMs, 0.95)};
		},
		setRate(next) {
			if (!Number.isFinite(next) || next < 0) throw new RangeError('rate must be a number >= 0');
			rps = next;
			anchor = performance.now();
			issued = 0;
		},
		rate: () => rps,
		async stop() {
			if (stopped) return;
			stopped = true;
			if (timer) clearTimeout(timer);
			await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
			await pool.destroy().catch(() => {});
		},
	};
	options.signal?.addEventListener('abort', () => void load.stop(), {once: true});
	return load;
}
