// Samples the split through the balancer: N GETs over a few keep-alive connections, each
// attributed to stable or canary. GET, never HEAD: HEAD responses are never kept alive, which
// makes the guide's curl loop ten times slower (FACTS.md §2).

import {lookup} from 'node:dns/promises';
import {isIP} from 'node:net';
import {Pool} from 'undici';
import type {Roles, Split} from '../domain/upstream.ts';
import {wilsonInterval} from '../domain/proportions.ts';

export type Role = 'stable' | 'canary';

export interface SampleOptions {
	/** Balancer base URL, e.g. http://127.0.0.1:8080 */
	url: string;
	/** Requests to send; default 200. */
	n?: number;
	roles: Roles;
	/** 'header' reads X-Upstream only, 'version' reads /healthz JSON only; default: header, else version. */
	attribute?: 'header' | 'version';
	/** The engines' versions, when they differ; needed for version attribution. */
	versions?: {stable: string; canary: string};
	/** Extra X-Upstream addresses, e.g. container IPs: nginx reports resolved addresses, not names. */
	aliases?: Record<string, Role>;
	/** Path to GET; default /healthz (the engine already leaves it out of its figures). */
	path?: string;
	/** Parallel keep-alive connections; default 4. */
	concurrency?: number;
	/** Per request; default 2000 ms. */
	timeoutMs?: number;
	signal?: AbortSignal;
}

export interface SplitSample {
	n: number;
	stable: number;
	canary: number;
	/** Answered, but neither the header nor the version told which engine. */
	unknown: number;
	errors: number;
	/** Wall time of the whole sample. */
	ms: number;
	/** Percent of the attributed answers; both 0 when nothing was attributed. */
	observed: {stable: number; canary: number};
	/** Canary share in percent, 99 % Wilson interval over the attributed answers. */
	interval: {low: number; high: number} | null;
	method: 'X-Upstream' | 'version';
	/** The first error message, for the screen. */
	firstError?: string;
}

type Answer = Role | 'unknown' | {error: string};

const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

function isReset(error: unknown): boolean {
	const e = error as {code?: string; message?: string; cause?: {code?: string}};
	return RESET_CODES.has(e?.code ?? '') || RESET_CODES.has(e?.cause?.code ?? '') || /other side closed|socket hang up/i.test(e?.message ?? '');
}

/** nginx lists every upstream tried ("a, b", or "a : b" across internal redirects): the last one answered. */
export function lastUpstreamAddress(header: string): string {
	const parts = header.split(/\s*,\s*|\s+:\s+/).map((part) => part.trim()).filter(Boolean);
	return parts.at(-1) ?? '';
}

function splitHostPort(address: string): {host: string; port: string} | null {
	const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
	return match ? {host: match[1], port: match[2]} : null;
}

function formatAddress(host: string, port: string): string {
	return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Maps X-Upstream addresses to roles; names in the config are resolved once, lazily. */
function addressBook(roles: Roles, aliases: Record<string, Role> = {}) {
	const book = new Map<string, Role>(Object.entries(aliases));
	book.set(roles.stable, 'stable');
	book.set(roles.canary, 'canary');
	let resolved: Promise<void> | null = null;
	const resolve = async () => {
		for (const role of ['stable', 'canary'] as const) {
			const parts = splitHostPort(roles[role]);
			if (!parts || isIP(parts.host)) continue;
			try {
				const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('dns timeout')), 500).unref());
				const all = await Promise.race([lookup(parts.host, {all: true}), timeout]);
				for (const {address} of all) if (!book.has(formatAddress(address, parts.port))) book.set(formatAddress(address, parts.port), role);
			} catch {
				// Names only the container network knows (engine-stable) do not resolve here: aliases cover them.
			}
		}
	};
	return async (address: string): Promise<Role | undefined> => {
		if (book.has(address)) return book.get(address);
		resolved ??= resolve();
		await resolved;
		return book.get(address);
	};
}

export async function sampleSplit(options: SampleOptions): Promise<SplitSample> {
	const n = options.n ?? 200;
	const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, n || 1));
	const timeoutMs = options.timeoutMs ?? 2000;
	const base = new URL(options.url);
	const path = (base.pathname.replace(/\/$/, '') + (options.path ?? '/healthz')) || '/';
	const roleOf = addressBook(options.roles, options.aliases);
	const versions = options.versions && options.versions.stable !== options.versions.canary ? options.versions : undefined;
	const pool = new Pool(base.origin, {connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000, connectTimeout: timeoutMs});
	let usedHeader = false;

	const once = async (): Promise<Answer> => {
		const response = await pool.request({path, method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: options.signal});
		const body = await response.body.text();
		const header = response.headers['x-upstream'];
		const upstream = Array.isArray(header) ? header.at(-1) : header;
		if (upstream && options.attribute !== 'version') {
			usedHeader = true;
			const role = await roleOf(lastUpstreamAddress(upstream));
			if (role) return role;
		}
		if (versions && options.attribute !== 'header') {
			try {
				const version = (JSON.parse(body) as {version?: unknown}).version;
				if (version === versions.stable) return 'stable';
				if (version === versions.canary) return 'canary';
			} catch {
				// Not JSON (an nginx error page): unknown.
			}
		}
		return 'unknown';
	};
	const one = async (): Promise<Answer> => {
		try {
			return await once();
		} catch (error) {
			// A reload cuts keep-alive connections: one retry on a fresh one.
			if (isReset(error) && !options.signal?.aborted) {
				try {
					return await once();
				} catch (again) {
					return {error: (again as Error).message};
				}
			}
			return {error: (error as Error).message};
		}
	};

	const counts = {stable: 0, canary: 0, unknown: 0, errors: 0};
	let firstError: string | undefined;
	let next = 0;
	const started = performance.now();
	const worker = async () => {
		while (next < n && !options.signal?.aborted) {
			next++;
			const answer = await one();
			if (typeof answer === 'object') {
				counts.errors++;
				firstError ??= answer.error;
			} else counts[answer]++;
		}
	};
	try {
		await Promise.all(Array.from({length: concurrency}, worker));
	} finally {
		await pool.destroy().catch(() => {});
	}
	const ms = performance.now() - started;
	const attributed = counts.stable + counts.canary;
	const canaryShare = attributed > 0 ? (100 * counts.canary) / attributed : 0;
	const interval = wilsonInterval(counts.canary, attributed);
	return {
		n,
		...counts,
		ms,
		observed: attributed > 0 ? {stable: 100 - canaryShare, canary: canaryShare} : {stable: 0, canary: 0},
		interval: interval ? {low: interval.low * 100, high: interval.high * 100} : null,
		method: usedHeader || options.attribute === 'header' ? 'X-Upstream' : 'version',
		...(firstError ? {firstError} : {}),
	};
}

/** Whether a sample agrees with a configured split, and if not, why (for NOT VERIFIED). */
export function explainSplit(sample: SplitSample, split: Split): {matches: boolean; reason: string} {
	const attributed = sample.stable + sample.canary;
	const observed = `${Math.round(sample.observed.stable)}/${Math.round(sample.observed.canary)}`;
	const wanted = `${split.stable}/${split.canary}`;
	if (attributed === 0) {
		const why = sample.errors > 0 ? `${sample.errors} of ${sample.n} requests failed${sample.firstError ? ` (${sample.firstError})` : ''}` : `no answer told which engine replied (no X-Upstream header, versions equal or unknown)`;
		return {matches: false, reason: why};
	}
	// Too few attributed answers make any interval wide enough to "match" anything.
	if (attributed < Math.min(20, sample.n)) return {matches: false, reason: `only ${attributed} of ${sample.n} answers attributed`};
	// 0 % and 100 % are exact: a single answer from a `down` server means the change did not land.
	if (split.canary === 0) return sample.canary === 0 ? {matches: true, reason: `all ${attributed} answers from stable`} : {matches: false, reason: `${sample.canary} of ${attributed} answers still from canary (want ${wanted})`};
	if (split.stable === 0) return sample.stable === 0 ? {matches: true, reason: `all ${attributed} answers from canary`} : {matches: false, reason: `${sample.stable} of ${attributed} answers still from stable (want ${wanted})`};
	const interval = sample.interval!;
	const inside = split.canary >= interval.low && split.canary <= interval.high;
	const range = `${interval.low.toFixed(1)}-${interval.high.toFixed(1)} %`;
	return inside
		? {matches: true, reason: `observed ${observed} (canary ${range}, 99 %) over ${attributed} answers`}
		: {matches: false, reason: `observed ${observed}, canary ${range} (99 %) excludes ${split.canary} % (want ${wanted})`};
}

export function splitMatches(sample: SplitSample, split: Split): boolean {
	return explainSplit(sample, split).matches;
}

export interface VerifyOptions extends Omit<SampleOptions, 'timeoutMs'> {
	split: Split;
	/** Give up after this long; default 10 000 ms (a reload is asynchronous: early samples can show old weights). */
	timeoutMs?: number;
	requestTimeoutMs?: number;
	/** Pause between samples; default 300 ms. */
	pauseMs?: number;
	now?: () => number;
	sleep?: (ms: number) => Promise<void>;
	/** The sampler; default sampleSplit. */
	sample?: (options: SampleOptions) => Promise<SplitSample>;
}

export interface VerifyResult {
	verified: boolean;
	sample: SplitSample;
	attempts: number;
	reason: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function verifySplit(options: VerifyOptions): Promise<VerifyResult> {
	const {split, timeoutMs = 10_000, requestTimeoutMs, pauseMs = 300, now = Date.now, sleep = defaultSleep, sample = sampleSplit, ...rest} = options;
	const deadline = now() + timeoutMs;
	let attempts = 0;
	for (;;) {
		attempts++;
		const result = await sample({...rest, timeoutMs: requestTimeoutMs});
		const verdict = explainSplit(result, split);
		if (verdict.matches) return {verified: true, sample: result, attempts, reason: verdict.reason};
		if (options.signal?.aborted) return {verified: false, sample: result, attempts, reason: `cancelled: ${verdict.reason}`};
		if (now() + pauseMs >= deadline) {
			return {verified: false, sample: result, attempts, reason: `${verdict.reason}; still after ${attempts} samples in ${Math.round(timeoutMs / 1000)} s`};
		}
		await sleep(pauseMs);
	}
}
