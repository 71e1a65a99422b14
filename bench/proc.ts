import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {cpus} from 'node:os';

// Readings from /proc: CPU time and memory of one process (never its children), load, machine.

/** utime + stime in clock ticks from the text of /proc/<pid>/stat. */
export function parseStatTicks(text: string): number {
	// The command name (field 2) is in parentheses and may hold spaces or ')': cut at the last ')'.
	const rest = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
	// rest[0] is field 3 (state); utime and stime are fields 14 and 15.
	const utime = Number(rest[11]);
	const stime = Number(rest[12]);
	if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat line');
	return utime + stime;
}

/** A `Vm...:  1234 kB` field of /proc/<pid>/status in bytes, or null. */
export function parseStatusKb(text: string, field: string): number | null {
	const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
	return match ? Number(match[1]) * 1024 : null;
}

let ticks: number | null = null;
export function clockTicks(): number {
	if (ticks === null) {
		try {
			ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;
		} catch {
			ticks = 100;
		}
	}
	return ticks;
}

/** CPU seconds used so far by the process itself. */
export function cpuSeconds(pid: number): number {
	return parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicks();
}

export function memory(pid: number): {rss: number | null; hwm: number | null} {
	const text = readFileSync(`/proc/${pid}/status`, 'utf8');
	return {rss: parseStatusKb(text, 'VmRSS'), hwm: parseStatusKb(text, 'VmHWM')};
}

/** Percent of one core between two readings taken `wallMs` apart. */
export function cpuPercent(cpuBefore: number, cpuAfter: number, wallMs: number): number {
	return wallMs > 0 ? ((cpuAfter - cpuBefore) * 100_000) / wallMs : 0;
}

export function loadAverage(): string {
	try {
		return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
	} catch {
		return 'unknown';
	}
}

export function machine(): {nproc: number; cpu: string; node: string; load: string} {
	return {nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, load: loadAverage()};
}
