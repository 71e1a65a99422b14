import type Docker from 'dockerode';
import type {EngineRole, ResourceReading, StatsSource} from '../../core/types.ts';
import {describeDockerError, endpointOf, isNotFound} from './connect.ts';
import {dockerTime} from './inspect.ts';
import {lineSplitter} from './lines.ts';

interface RawStats {
	memory_stats?: {usage?: number; limit?: number; stats?: Record<string, number>};
	cpu_stats?: {cpu_usage?: {total_usage?: number; percpu_usage?: number[]}; system_cpu_usage?: number; online_cpus?: number};
	precpu_stats?: {cpu_usage?: {total_usage?: number}; system_cpu_usage?: number};
}

/** Memory in use as `docker stats` shows it: usage minus inactive page cache (cgroup v1 and v2). */
export function memoryUsed(stats: RawStats): number {
	const usage = stats.memory_stats?.usage ?? 0;
	const detail = stats.memory_stats?.stats ?? {};
	const v1 = detail.total_inactive_file;
	if (v1 !== undefined && v1 < usage) return usage - v1;
	const v2 = detail.inactive_file;
	if (v2 !== undefined && v2 < usage) return usage - v2;
	return usage;
}

/** CPU percent as `docker stats` computes it (100 = one core), null without two samples. */
export function cpuPercent(stats: RawStats): number | null {
	const cpu = stats.cpu_stats;
	const pre = stats.precpu_stats;
	if (!cpu?.cpu_usage?.total_usage || !cpu.system_cpu_usage || !pre?.system_cpu_usage) return null;
	const cpuDelta = cpu.cpu_usage.total_usage - (pre.cpu_usage?.total_usage ?? 0);
	const systemDelta = cpu.system_cpu_usage - pre.system_cpu_usage;
	const cpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 1;
	if (systemDelta <= 0) return null;
	return cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** State, exit code and OOM flag from inspect (Docker clears both at the next start). */
export function stateOf(info: Pick<Docker.ContainerInspectInfo, 'State'>): Pick<ResourceReading, 'state' | 'exitCode' | 'oomKilled'> {
	const status = info.State.Status;
	const state = info.State.Restarting || status === 'restarting' ? 'restarting' : info.State.Running ? 'running' : 'exited';
	// Docker sets ExitCode back to 0 when the container starts again: a running container's last
	// exit code is known only from the `die` event (lifecycle.ts).
	const exitCode = !info.State.Running || info.State.Restarting ? info.State.ExitCode : null;
	return {state, exitCode: exitCode ?? null, oomKilled: Boolean(info.State.OOMKilled)};
}

export interface DockerStatsSource extends StatsSource {
	/** Stops the background streams. */
	close(): void;
}

/** What the daemon sends in a stats stream while the container is not running. */
const NOT_RUNNING = '"read":"0001-01-01T00:00:00Z"';

export interface DockerStatsOptions {
	/** How often a reading is made from the stream (the daemon sends a sample every second). */
	intervalMs?: number;
	/** The stream of an engine nobody read for this long is closed. */
	idleMs?: number;
	/** Restart count, start time and state are read again at least this often (and at every start, stop and lifecycle event). */
	inspectEveryMs?: number;
	/** A stream that sent nothing for this long is given up and opened again (a host that vanished). */
	silentMs?: number;
}

interface Poller {
	latest: ResourceReading | null;
	error: Error | null;
	lastRead: number;
	waiters: Array<() => void>;
	running: boolean;
	/** Asks the live stream to inspect again (a lifecycle event came). */
	refresh: (() => void) | null;
	stream: {destroy?: () => void} | null;
}

type Base = Pick<ResourceReading, 'startedAt' | 'restarts' | 'state' | 'exitCode' | 'oomKilled'>;
type Figures = Pick<ResourceReading, 'memUsed' | 'memLimit' | 'cpuPercent'>;
const NO_FIGURES: Figures = {memUsed: 0, memLimit: 0, cpuPercent: null};

function baseOf(info: Docker.ContainerInspectInfo): Base {
	return {startedAt: dockerTime(info.State.StartedAt), restarts: info.RestartCount ?? 0, ...stateOf(info)};
}

/**
 * Each container's stats come from one long-lived stream (`GET /containers/NAME/stats`, the
 * daemon's sample every second), opened by the first read() and closed after a minute without
 * readers; read() answers at once from the latest reading. A sample is parsed only when a reading
 * is due (every intervalMs), and the container is inspected (restarts, start time, state) when
 * the stream shows it start or stop, when a lifecycle event says so (stale()), and every
 * inspectEveryMs: one connection per container instead of two requests per reading.
 */
export function createDockerStatsSource(docker: Docker, names: Record<EngineRole, string>, options: DockerStatsOptions = {}): DockerStatsSource {
	const intervalMs = options.intervalMs ?? 1000;
	const idleMs = options.idleMs ?? 60_000;
	const inspectEveryMs = options.inspectEveryMs ?? 10_000;
	const silentMs = options.silentMs ?? 5_000;
	const endpoint = endpointOf(docker);
	const pollers = new Map<EngineRole, Poller>();
	let closed = false;

	const publish = (poller: Poller, reading: ResourceReading) => {
		poller.latest = reading;
		poller.error = null;
		for (const wake of poller.waiters.splice(0)) wake();
	};
	const idle = (poller: Poller) => closed || Date.now() - poller.lastRead >= idleMs;

	/** One stream's life: resolves when it ends (the container was removed) or nobody reads; rejects on errors. */
	async function follow(name: string, poller: Poller): Promise<void> {
		const container = docker.getContainer(name);
		// A host that vanished answers nothing: every request here is bounded (silentMs).
		const inspectBounded = () => container.inspect({abortSignal: AbortSignal.timeout(silentMs)} as {abortSignal: AbortSignal});
		let base = baseOf(await inspectBounded());
		let figures = NO_FIGURES;
		let running = base.state === 'running';
		if (!running) publish(poller, {...NO_FIGURES, ...base});
		const opening = new AbortController();
		const openTimer = setTimeout(() => opening.abort(new Error(`no stats stream from Docker at ${endpoint} in ${Math.round(silentMs / 1000)} s`)), silentMs);
		let stream: NodeJS.ReadableStream & {destroy(): void};
		try {
			stream = (await container.stats({stream: true, abortSignal: opening.signal} as {stream: true})) as unknown as typeof stream;
		} finally {
			clearTimeout(openTimer);
		}
		if (idle(poller)) return stream.destroy();
		poller.stream = stream;
		let [lastParsed, lastInspect, lastData] = [0, Date.now(), Date.now()];
		// One inspection at a time; one asked for meanwhile runs after it (it may have begun before the change).
		let [inspecting, again] = [false, false];
		const inspect = (): void => {
			lastInspect = Date.now();
			if (inspecting) {
				again = true;
				return;
			}
			inspecting = true;
			const next = () => {
				inspecting = false;
				if (again && poller.stream === stream) {
					again = false;
					inspect();
				}
			};
			inspectBounded().then(
				(info) => {
					base = baseOf(info);
					publish(poller, {...(base.state === 'running' ? figures : NO_FIGURES), ...base});
					next();
				},
				// Gone or unreachable: the stream's end or silence says so.
				next,
			);
		};
		poller.refresh = inspect;
		const onSample = (line: string) => {
			const now = Date.now();
			const nowRunning = !line.includes(NOT_RUNNING);
			const changed = nowRunning !== running;
			running = nowRunning;
			if (!running) figures = NO_FIGURES;
			else if (changed || now - lastParsed >= intervalMs - 250 || poller.latest === null) {
				lastParsed = now;
				try {
					const stats = JSON.parse(line) as RawStats;
					figures = {memUsed: memoryUsed(stats), memLimit: stats.memory_stats?.limit ?? 0, cpuPercent: cpuPercent(stats)};
				} catch {
					return;
				}
				if (!changed) publish(poller, {...figures, ...base});
			}
			if (changed || now - lastInspect >= inspectEveryMs) inspect();
		};
		try {
			await new Promise<void>((resolve, reject) => {
				const watchdog = setInterval(() => {
					if (idle(poller)) {
						stream.destroy();
						resolve();
					} else if (Date.now() - lastData > silentMs) {
						stream.destroy();
						reject(new Error(`no stats from Docker at ${endpoint} for ${Math.round(silentMs / 1000)} s`));
					}
				}, 1000);
				watchdog.unref?.();
				const done = (error?: Error) => {
					clearInterval(watchdog);
					if (error) reject(error);
					else resolve();
				};
				const lines = lineSplitter(onSample);
				stream.on('data', (chunk: Buffer) => {
					lastData = Date.now();
					lines(chunk);
				});
				stream.on('error', (error: Error) => done(error));
				stream.on('end', () => done());
				stream.on('close', () => done());
			});
		} finally {
			poller.refresh = null;
			poller.stream = null;
		}
	}

	async function loop(engine: EngineRole, poller: Poller): Promise<void> {
		while (!idle(poller)) {
			const began = Date.now();
			let failed = false;
			try {
				await follow(names[engine], poller);
			} catch (error) {
				failed = true;
				poller.error = new Error(isNotFound(error) ? `no container named ${names[engine]}` : describeDockerError(error, endpoint));
				for (const wake of poller.waiters.splice(0)) wake();
			}
			// A stream that ended at once (or failed) is not opened again at once.
			const pause = failed ? Math.max(intervalMs, 1000) : Math.max(0, 1000 - (Date.now() - began));
			if (pause > 0 && !idle(poller)) await new Promise((r) => setTimeout(r, pause).unref?.());
		}
		poller.running = false;
	}

	return {
		async read(engine, signal) {
			let poller = pollers.get(engine);
			if (!poller) {
				poller = {latest: null, error: null, lastRead: Date.now(), waiters: [], running: false, refresh: null, stream: null};
				pollers.set(engine, poller);
			}
			poller.lastRead = Date.now();
			if (!poller.running && !closed) {
				poller.running = true;
				void loop(engine, poller);
			}
			if (!poller.latest && !poller.error) {
				const p = poller;
				await new Promise<void>((resolve, reject) => {
					const onAbort = () => reject(signal?.reason ?? new Error('aborted'));
					if (signal?.aborted) return onAbort();
					signal?.addEventListener('abort', onAbort, {once: true});
					p.waiters.push(() => {
						signal?.removeEventListener('abort', onAbort);
						resolve();
					});
				});
			}
			if (poller.error) throw poller.error;
			return poller.latest!;
		},
		stale(engine) {
			pollers.get(engine)?.refresh?.();
		},
		close() {
			closed = true;
			for (const poller of pollers.values()) poller.stream?.destroy?.();
		},
	};
}
