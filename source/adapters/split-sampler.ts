// Samples the split through the balancer: N GETs over a few keep-alive connections, each
// attributed to stable or canary. GET, never HEAD: HEAD responses are never kept alive, which
// makes the guide's curl loop ten times slower (FACTS.md §2).

import {lookup} from 'node:dns/promises';
import {isIP} from 'node:net';
import {Pool, request} from 'undici';
import {replicaIds, serverRoles, serversOf, type RolesConfig} from '../domain/replicas.ts';
import {wilsonInterval} from '../domain/proportions.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';
import {explainSplit, splitMatches, X_UPSTREAM_LINE} from '../core/change/split-verify.ts';
import type {Role, SampleMethod, SampleOptions, SplitSample, SplitSampler, VerifyOptions, VerifyResult} from '../core/change/split-sample.ts';

export type {Role, SampleMethod, SampleOptions, SplitSample, VerifyOptions, VerifyResult} from '../core/change/split-sample.ts';

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
function addressBook(roles: RolesConfig, aliases: Record<string, Role> = {}) {
	const book = new Map<string, Role>(Object.entries(aliases));
	for (const role of ['stable', 'canary'] as const) for (const server of serversOf(roles, role)) book.set(server, role);
	let resolved: Promise<void> | null = null;
	const resolve = async () => {
		for (const [server, role] of serverRoles(roles)) {
			const parts = splitHostPort(server);
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

/** Reads each engine's version from its own /healthz (null when it does not answer or says none). */
export async function readVersions(urls: {stable: string; canary: string}, timeoutMs = 2000, signal?: AbortSignal): Promise<{stable: string | null; canary: string | null}> {
	const one = async (base: string): Promise<string | null> => {
		try {
			const url = new URL(`${new URL(base).pathname.replace(/\/$/, '')}/healthz`, base);
			const {body} = await request(url, {method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal});
			const version = (JSON.parse(await body.text()) as {version?: unknown}).version;
			return typeof version === 'string' && version ? version : null;
		} catch {
			return null;
		}
	};
	const [stable, canary] = await Promise.all([one(urls.stable), one(urls.canary)]);
	return {stable, canary};
}

/** Why answers could not be told apart by version, or null when the versions can do it. */
export function versionProblem(versions: {stable: string | null; canary: string | null} | undefined): string | null {
	if (!versions || (versions.stable === null && versions.canary === null)) return 'the engines\' versions are unknown (their own /healthz did not answer)';
	if (versions.stable !== null && versions.stable === versions.canary) {
		return `both engines report version ${versions.stable}: answers cannot be attributed by version`;
	}
	return null;
}

export async function sampleSplit(options: SampleOptions): Promise<SplitSample> {
	const n = options.n ?? 200;
	const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, n || 1));
	const timeoutMs = options.timeoutMs ?? 2000;
	const base = new URL(options.url);
	const path = (base.pathname.replace(/\/$/, '') + (options.path ?? '/healthz')) || '/';
	const roleOf = addressBook(options.roles, options.aliases);
	const versions = options.versions ?? (options.versionUrls && options.attribute !== 'header' ? await readVersions(options.versionUrls, timeoutMs, options.signal) : undefined);
	const problem = versionProblem(versions);
	// With one version unknown (that engine down), an answer naming the known one is still attributed.
	const byVersion = new Map<string, Role>();
	if (versions && !problem) {
		if (versions.stable !== null) byVersion.set(versions.stable, 'stable');
		if (versions.canary !== null) byVersion.set(versions.canary, 'canary');
	}
	// Replicas: X-Upstream's address names the replica too (per-replica counts of the sample).
	const replicaOf = replicaIds(options.roles);
	const perReplica: Record<string, number> = {};
	const pool = new Pool(base.origin, {connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000, connectTimeout: timeoutMs});
	let headerSeen = false;
	const used = {header: 0, version: 0};
	// What the first answer that named neither engine looked like: an nginx error page, another
	// service's answer, an engine that says no version. The reason is then on the screen.
	let firstUnknown: string | undefined;
	const describeUnknown = (status: number, type: unknown, body: string, version: unknown) => {
		if (firstUnknown !== undefined) return;
		const kind = typeof type === 'string' ? ` ${type.split(';')[0]}` : '';
		const said = typeof version === 'string' ? `version ${JSON.stringify(version)}` : JSON.stringify(sanitizeForTerminal(body.replace(/\s+/g, ' ').trim()).slice(0, 60));
		firstUnknown = `HTTP ${status}${kind}: ${said}`;
	};

	const once = async (): Promise<Answer> => {
		const response = await pool.request({path, method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: options.signal});
		const body = await response.body.text();
		const header = response.headers['x-upstream'];
		const upstream = Array.isArray(header) ? header.at(-1) : header;
		if (upstream && options.attribute !== 'version') {
			headerSeen = true;
			const address = lastUpstreamAddress(upstream);
			const role = await roleOf(address);
			if (role) {
				used.header++;
				const replica = replicaOf.get(address);
				if (replica) perReplica[replica] = (perReplica[replica] ?? 0) + 1;
				return role;
			}
		}
		// The guide's config sets no header: the version each engine reports tells them apart.
		let version: unknown;
		if (byVersion.size > 0 && options.attribute !== 'header') {
			try {
				version = (JSON.parse(body) as {version?: unknown} | null)?.version;
				const role = typeof version === 'string' ? byVersion.get(version) : undefined;
				if (role) {
					used.version++;
					return role;
				}
			} catch {
				// Not JSON (an nginx error page): unknown.
			}
		}
		describeUnknown(response.statusCode, response.headers['content-type'], body, version);
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
	const method: SampleMethod = used.header > 0 ? (used.version > 0 ? 'X-Upstream+version' : 'X-Upstream') : used.version > 0 ? 'version' : 'none';
	let attributionProblem: string | undefined;
	if (counts.unknown > 0) {
		const header = headerSeen ? 'X-Upstream named an address of neither engine' : 'the nginx config sets no X-Upstream header';
		attributionProblem = `${header}; ${problem ?? 'some answers named neither engine\'s version'}${firstUnknown ? ` (the first: ${firstUnknown})` : ''}`;
	}
	return {
		n,
		...counts,
		ms,
		observed: attributed > 0 ? {stable: 100 - canaryShare, canary: canaryShare} : {stable: 0, canary: 0},
		interval: interval ? {low: interval.low * 100, high: interval.high * 100} : null,
		method,
		attributed,
		unattributed: counts.unknown,
		...(versions ? {versions} : {}),
		...(replicaOf.size > 0 ? {replicas: Object.fromEntries([...new Set(replicaOf.values())].map((id) => [id, perReplica[id] ?? 0]))} : {}),
		...(attributionProblem ? {attributionProblem} : {}),
		...(firstError ? {firstError} : {}),
	};
}

export {explainSplit, splitMatches, X_UPSTREAM_LINE};

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

/** The sampler the Monitor is given: HTTP through the balancer. */
export const httpSplitSampler: SplitSampler = {sample: sampleSplit, verify: verifySplit};
