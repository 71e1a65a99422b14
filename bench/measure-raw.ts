import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cpuPercent, cpuSeconds, memory} from './proc.ts';
import {linesLost} from './line-counter.ts';
import {sleep, until} from './poll.ts';
import type {ReaderStats} from './stats-file.ts';

// One run of the baseline: bench/raw-reader.ts (the same lab, a sink that only counts).

export interface RawRun {
	cpuPercent: number;
	peakRssMb: number | null;
	lost: number | null;
	expected: number | null;
	linesPerSec: number;
}

function readStats(path: string): ReaderStats | null {
	try {
		return JSON.parse(readFileSync(path, 'utf8')) as ReaderStats;
	} catch {
		return null;
	}
}

export async function runRaw(options: {root: string; logRate: number; rps: number; phaseMs: number; warmupMs: number}): Promise<RawRun> {
	const dir = mkdtempSync(join(tmpdir(), 'canary-bench-raw-'));
	const statsPath = join(dir, 'stats.json');
	const child = spawn(process.execPath, ['--import', 'tsx', join(options.root, 'bench', 'raw-reader.ts')], {
		cwd: options.root,
		env: {...process.env, BENCH_LOG_RATE: String(options.logRate), BENCH_RPS: String(options.rps), BENCH_STATS_FILE: statsPath},
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	try {
		let ready = false;
		child.stdout.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes('ready')) ready = true;
		});
		if (!(await until(() => ready, 30_000, 50))) throw new Error('the raw reader did not start within 30 s');
		const pid = child.pid!;
		await until(() => {
			const s = readStats(statsPath);
			return s && s.engines.stable.completeTs !== null && s.engines.canary.completeTs !== null;
		}, 20_000, 100);
		await sleep(options.warmupMs);
		const t0 = Date.now();
		const cpu0 = cpuSeconds(pid);
		const stats0 = readStats(statsPath);
		await sleep(options.phaseMs);
		// The stats file is rewritten every 500 ms: wait for one written after the phase.
		const stats1 = await until(() => {
			const s = readStats(statsPath);
			return s && s.at >= t0 + options.phaseMs ? s : null;
		}, 2000, 50);
		const t1 = Date.now();
		const cpu1 = cpuSeconds(pid);
		const mem = memory(pid);
		let lost: number | null = null;
		let expected: number | null = null;
		let linesPerSec = 0;
		if (stats0 && stats1) {
			const rate = options.logRate / 2;
			const parts = (['stable', 'canary'] as const).map((e) => linesLost(stats0.engines[e], stats1.engines[e], rate));
			if (rate > 0 && parts.every((p) => p !== null)) {
				lost = parts.reduce((sum, p) => sum + Math.max(0, p!.lost), 0);
				expected = parts.reduce((sum, p) => sum + p!.expected, 0);
			}
			const total = (s: ReaderStats) => s.engines.stable.total + s.engines.canary.total;
			linesPerSec = ((total(stats1) - total(stats0)) * 1000) / Math.max(1, stats1.at - stats0.at);
		}
		return {cpuPercent: cpuPercent(cpu0, cpu1, t1 - t0), peakRssMb: mem.hwm === null ? null : mem.hwm / 1048576, lost, expected, linesPerSec};
	} finally {
		child.kill('SIGTERM');
		await Promise.race([exited, sleep(5000)]);
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		rmSync(dir, {recursive: true, force: true});
	}
}
