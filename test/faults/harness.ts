// The console as the CLI composes it for the demo (startLab + Monitor, see source/cli.tsx
// startDemoRuntime), with a short config so faults show within seconds.

import {mkdtempSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {createServer as createNetServer, type Server as NetServer, type Socket} from 'node:net';
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig, type Config} from '../../source/config.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import type {ProxyControl} from '../../source/core/types.ts';
import type {Snapshot} from '../../source/core/monitor/snapshot.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {startLab, type Lab, type LabOptions} from '../../source/lab/lab.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';

export const SHORT = {pollIntervalMs: 500, windowSec: 4, analysisIntervalSec: 2, sampleSize: 100, verifyTimeoutMs: 8000};

export async function tempDir(): Promise<{dir: string; remove: () => Promise<void>}> {
	const dir = await mkdtemp(join(tmpdir(), 'canary-faults-'));
	return {dir, remove: () => rm(dir, {recursive: true, force: true})};
}

export function startLabForFaults(options: LabOptions = {}): Promise<Lab> {
	return startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 30, canaryFaults: {}, ...options});
}

export interface Watch {
	monitor: Monitor;
	config: Config;
	stop(): Promise<void>;
}

/** A Monitor over the lab; urls and proxy may be replaced to point an engine at a bad server. */
export function watch(lab: Lab, options: {urls?: Partial<Config['urls']>; proxy?: ProxyControl; auditPath?: string; probeTimeoutMs?: number; config?: Record<string, unknown>; start?: boolean} = {}): Watch {
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-faults-state-'));
	const config: Config = {
		...buildConfig([{...SHORT, ...options.config}]),
		urls: {...lab.urls, ...options.urls},
		roles: lab.roles,
		upstream: lab.upstream,
		auditPath: options.auditPath ?? join(tmpdir(), `canary-faults-audit-${process.pid}-${Date.now()}.jsonl`),
		stateDir,
	};
	const monitor = new Monitor({openState, splitSampler: httpSplitSampler, 
		config,
		http: createHttpProbe(options.probeTimeoutMs ? {totalTimeoutMs: options.probeTimeoutMs} : {}),
		logs: lab.logs,
		stats: lab.stats,
		proxy: options.proxy ?? lab.proxy,
		runtime: lab.runtime,
	});
	if (options.start !== false) monitor.start();
	return {monitor, config, stop: () => monitor.stop().finally(() => rm(stateDir, {recursive: true, force: true}))};
}

/** Waits for a condition on fresh snapshots; fails with the last snapshot's gist. */
export async function until(monitor: Monitor, what: string, predicate: (s: Snapshot) => boolean, timeoutMs = 10_000): Promise<Snapshot> {
	if (await monitor.until(predicate, timeoutMs)) return monitor.current();
	const s = monitor.current();
	const gist = (['stable', 'canary'] as const).map((r) => `${r}: probe ${s.engines[r].probe.state} (${s.engines[r].probe.message}), health ${s.engines[r].health?.status} (${s.engines[r].health?.error})`).join('; ');
	throw new Error(`timed out waiting for ${what}; ${gist}; action ${JSON.stringify(s.action).slice(0, 300)}; notices ${JSON.stringify(s.notices.map((n) => n.text))}`);
}

/** A TCP server that accepts connections and never answers (a hung engine). */
export async function hangingServer(): Promise<{url: string; close: () => Promise<void>}> {
	const sockets = new Set<Socket>();
	const server: NetServer = createNetServer((socket) => {
		sockets.add(socket);
		socket.on('error', () => {});
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	return {
		url: `http://127.0.0.1:${port}`,
		close: () => {
			for (const s of sockets) s.destroy();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

/** An HTTP server answering every path with what `body` returns (garbage, a huge page). */
export async function httpServer(body: (path: string) => Buffer | string, status = 200): Promise<{url: string; hits: () => number; close: () => Promise<void>}> {
	let hits = 0;
	const server: HttpServer = createHttpServer((req, res) => {
		hits++;
		res.writeHead(status, {'content-type': 'text/plain'});
		res.end(body(req.url ?? '/'));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	return {
		url: `http://127.0.0.1:${port}`,
		hits: () => hits,
		close: () => {
			server.closeAllConnections();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

/** Every number an engine card shows is finite and not negative. */
export function showableFigures(s: Snapshot): string | null {
	for (const role of ['stable', 'canary'] as const) {
		const f = s.engines[role].figures;
		if (!f) continue;
		for (const [name, v] of Object.entries({requests: f.requests, rps: f.rps, ratio5xx: f.ratio5xx, latencyCount: f.latencyCount, p50: f.p50?.seconds, p95: f.p95?.seconds, p99: f.p99?.seconds})) {
			if (v === null || v === undefined) continue;
			if (!Number.isFinite(v) || v < 0) return `${role} ${name} = ${v}`;
		}
	}
	return null;
}
