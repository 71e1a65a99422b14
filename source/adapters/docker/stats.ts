import type Docker from 'dockerode';
import type {EngineRole, ResourceReading, StatsSource} from '../../core/types.ts';
import {describeDockerError, endpointOf, isNotFound} from './connect.ts';

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
	/** Stops the background polling. */
	close(): void;
}

interface Poller {
	latest: ResourceReading | null;
	error: Error | null;
	lastRead: number;
	waiters: Array<() => void>;
	running: boolean;
}

/**
 * One stats reading takes 1-2 s (the daemon waits for two of its samples), so readings come from
 * a background poll per engine, started by the first read() and stopped after a minute without
 * readers; read() answers at once from the latest reading.
 */
export function createDockerStatsSource(docker: Docker, names: Record<EngineRole, string>, options: {intervalMs?: number; idleMs?: number} = {}): DockerStatsSource {
	const intervalMs = options.intervalMs ?? 1000;
	const idleMs = options.idleMs ?? 60_000;
	const endpoint = endpointOf(docker);
	const pollers = new Map<EngineRole, Poller>();
	let closed = false;

	async function readOnce(name: string, first: boolean): Promise<ResourceReading> {
		const container = docker.getContainer(name);
		const info = await container.inspect();
		const started = Date.parse(info.State.StartedAt);
		const base = {
			startedAt: info.State.StartedAt.startsWith('0001-') || Number.isNaN(started) ? null : started,
			restarts: info.RestartCount ?? 0,
			...stateOf(info),
		};
		if (!info.State.Running) return {memUsed: 0, memLimit: 0, cpuPercent: null, ...base};
		// The first reading is one-shot (about 1 s instead of 2, no CPU figure yet) so a short-lived
		// `status` gets memory; later ones wait for the daemon's second sample and give CPU too.
		const stats = (await container.stats({stream: false, ...(first ? {'one-shot': true} : {})} as {stream: false})) as unknown as RawStats;
		return {memUsed: memoryUsed(stats), memLimit: stats.memory_stats?.limit ?? 0, cpuPercent: cpuPercent(stats), ...base};
	}

	async function loop(engine: EngineRole, poller: Poller): Promise<void> {
		while (!closed && Date.now() - poller.lastRead < idleMs) {
			const began = Date.now();
			try {
				poller.latest = await readOnce(names[engine], poller.latest === null);
				poller.error = null;
			} catch (error) {
				poller.error = new Error(isNotFound(error) ? `no container named ${names[engine]}` : describeDockerError(error, endpoint));
			}
			for (const wake of poller.waiters.splice(0)) wake();
			const pause = Math.max(0, intervalMs - (Date.now() - began));
			await new Promise((r) => setTimeout(r, poller.error ? Math.max(pause, 1000) : pause).unref?.());
		}
		poller.running = false;
	}

	return {
		async read(engine, signal) {
			let poller = pollers.get(engine);
			if (!poller) {
				poller = {latest: null, error: null, lastRead: Date.now(), waiters: [], running: false};
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
		close() {
			closed = true;
		},
	};
}
