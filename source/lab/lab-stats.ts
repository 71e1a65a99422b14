// StatsSource for the lab: memory and CPU of the engine processes from /proc (Linux), with a
// configured memory limit standing in for a container's, so "percent of limit" means the same
// thing as it does under Docker.

import {readFileSync} from 'node:fs';
import type {EngineRole, ResourceReading, StatsSource} from '../core/types.ts';

/** Like a container limit of 512 MB: the memory-growth fault reaches the 80 % alert. */
export const LAB_MEM_LIMIT = 512 * 1024 * 1024;
// USER_HZ: 100 on every Linux ABI Node supports; /proc/<pid>/stat counts in these ticks.
const TICKS_PER_SECOND = 100;

export interface LabProcessInfo {
	pid: number | null;
	startedAt: number | null;
	restarts: number;
	/** What the supervisor knows: running, restarting after an exit, or exited for good. */
	state?: 'running' | 'restarting' | 'exited';
	exitCode?: number | null;
	oomKilled?: boolean;
}

/** VmRSS from /proc/<pid>/status, in bytes. */
export function parseVmRss(status: string): number | null {
	const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
	return match ? Number(match[1]) * 1024 : null;
}

/** utime + stime in ticks from /proc/<pid>/stat (fields 14 and 15; the name may hold spaces). */
export function parseCpuTicks(stat: string): number | null {
	const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// afterName[0] is field 3 (state), so field n is afterName[n - 3].
	const utime = Number(afterName[11]);
	const stime = Number(afterName[12]);
	return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

export function createLabStats(info: (engine: EngineRole) => LabProcessInfo, options: {memLimit?: number; now?: () => number} = {}): StatsSource {
	const memLimit = options.memLimit ?? LAB_MEM_LIMIT;
	const now = options.now ?? Date.now;
	const previous = new Map<EngineRole, {pid: number; ticks: number; at: number}>();

	return {
		async read(engine, signal) {
			signal?.throwIfAborted();
			const {pid, startedAt, restarts, state, exitCode = null, oomKilled = false} = info(engine);
			const last = {startedAt, restarts, exitCode, oomKilled};
			// Down between a crash and its restart: no process to measure, as Docker's stats of a
			// stopped container have none. The state says why, the figures are empty.
			if (pid === null) {
				if (state === undefined) throw new Error(`engine-${engine} is not running`);
				previous.delete(engine);
				return {memUsed: 0, memLimit, cpuPercent: null, ...last, state: state === 'running' ? 'restarting' : state};
			}
			let status: string;
			let stat: string;
			try {
				// /proc files are made in memory as they are read: a synchronous read never waits on a
				// disk and costs a tenth of a promise-based open/read/close.
				status = readFileSync(`/proc/${pid}/status`, 'utf8');
				stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			} catch (error) {
				throw new Error(`cannot read /proc/${pid} for engine-${engine}: ${(error as Error).message}`);
			}
			const memUsed = parseVmRss(status);
			const ticks = parseCpuTicks(stat);
			if (memUsed === null || ticks === null) throw new Error(`unexpected /proc/${pid} format`);
			const at = now();
			const before = previous.get(engine);
			previous.set(engine, {pid, ticks, at});
			// A new pid (restart) starts a new pair of readings.
			const cpuPercent = before && before.pid === pid && at > before.at ? (((ticks - before.ticks) / TICKS_PER_SECOND) * 1000 * 100) / (at - before.at) : null;
			const reading: ResourceReading = {memUsed, memLimit, cpuPercent: cpuPercent === null ? null : Math.max(0, cpuPercent), ...last, state: 'running'};
			return reading;
		},
	};
}
