import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cpuPercent, cpuSeconds, memory} from './proc.ts';
import {linesLost} from './line-counter.ts';
import {sleep, until} from './poll.ts';
import {isCompleteFrame, isHelpShown, newestLogTime} from './screen.ts';
import type {ReaderStats} from './stats-file.ts';
import {TmuxSession} from './tmux.ts';
import {quantile, spread} from './stats.ts';

// One run of the real console in tmux at 120x40 against the bench lab at one log rate.

export interface ConsoleRun {
	firstFrameMs: number | null;
	cpuPercent: number;
	peakRssMb: number | null;
	/** JS heap in use and reserved at the end of the phase (what of the RSS is V8's heap). */
	heapUsedMb: number | null;
	heapTotalMb: number | null;
	rssAt2MinMb: number | null;
	rssAt5MinMb: number | null;
	bytesPerSec: number;
	lagMedianMs: number | null;
	lagP95Ms: number | null;
	lost: number | null;
	expected: number | null;
	linesPerSec: number;
	/** Snapshots published per second (each one re-renders the screen). */
	publishesPerSec: number | null;
	keyMs: number | null;
	phaseSec: number;
}

export interface ConsoleRunOptions {
	root: string;
	logRate: number;
	rps: number;
	phaseMs: number;
	warmupMs: number;
	long: boolean;
}

function readStats(path: string): ReaderStats | null {
	try {
		return JSON.parse(readFileSync(path, 'utf8')) as ReaderStats;
	} catch {
		return null;
	}
}

function size(path: string): number {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
}

const mb = (bytes: number | null) => (bytes === null ? null : bytes / (1024 * 1024));

export async function runConsole(options: ConsoleRunOptions): Promise<ConsoleRun> {
	const dir = mkdtempSync(join(tmpdir(), 'canary-bench-'));
	const statsPath = join(dir, 'stats.json');
	const ttyPath = join(dir, 'tty.bytes');
	const env: NodeJS.ProcessEnv = {...process.env, TZ: 'UTC', BENCH_LOG_RATE: String(options.logRate), BENCH_RPS: String(options.rps), BENCH_STATS_FILE: statsPath, TERM: 'xterm-256color'};
	// Ink renders only the final frame when CI is set (FACTS.md §4).
	delete env.CI;
	delete env.TMUX;
	const started = Date.now();
	const tmux = await TmuxSession.start({socket: `canary-bench-${process.pid}-${started}`, argv: [process.execPath, '--import', 'tsx', join(options.root, 'bench', 'console.ts')], env, cwd: options.root});
	try {
		await tmux.pipeTo(ttyPath);
		const pid = await tmux.panePid();
		const framed = await until(async () => isCompleteFrame(await tmux.capture()), 30_000, 10);
		const firstFrameMs = framed ? Date.now() - started : null;
		if (!framed) throw new Error(`the console showed no complete frame within 30 s:\n${await tmux.capture()}`);
		const counting = await until(() => {
			const s = readStats(statsPath);
			return s && s.engines.stable.completeTs !== null && s.engines.canary.completeTs !== null ? s : null;
		}, 20_000, 100);
		if (!counting && options.logRate > 0) throw new Error('the console counted no background lines within 20 s');
		await sleep(options.warmupMs);

		const t0 = Date.now();
		const cpu0 = cpuSeconds(pid);
		const bytes0 = size(ttyPath);
		const stats0 = readStats(statsPath);
		const lags: number[] = [];
		let rssAt2MinMb: number | null = null;
		let rssAt5MinMb: number | null = null;
		while (Date.now() - t0 < options.phaseMs) {
			const pane = await tmux.capture();
			const now = Date.now();
			const newest = newestLogTime(pane, now);
			if (newest !== null) lags.push(now - newest);
			const elapsed = now - t0;
			if (options.long && rssAt2MinMb === null && elapsed >= 120_000) rssAt2MinMb = mb(memory(pid).rss);
			if (options.long && rssAt5MinMb === null && elapsed >= 300_000) rssAt5MinMb = mb(memory(pid).rss);
			// An irregular interval, so the samples do not lock onto the tail's refresh rhythm.
			await sleep(150 + Math.random() * 200);
		}
		const t1 = Date.now();
		const cpu1 = cpuSeconds(pid);
		const bytes1 = size(ttyPath);
		const stats1 = readStats(statsPath);
		const mem = memory(pid);
		if (options.long && rssAt5MinMb === null) rssAt5MinMb = mb(mem.rss);

		let lost: number | null = null;
		let expected: number | null = null;
		let linesPerSec = 0;
		let publishesPerSec: number | null = null;
		if (stats0 && stats1) {
			if (stats0.publishes !== undefined && stats1.publishes !== undefined) publishesPerSec = ((stats1.publishes - stats0.publishes) * 1000) / Math.max(1, stats1.at - stats0.at);
			const rate = options.logRate / 2;
			if (rate > 0) {
				const parts = (['stable', 'canary'] as const).map((e) => linesLost(stats0.engines[e], stats1.engines[e], rate));
				if (parts.every((p) => p !== null)) {
					lost = parts.reduce((sum, p) => sum + Math.max(0, p!.lost), 0);
					expected = parts.reduce((sum, p) => sum + p!.expected, 0);
				}
			}
			const total = (s: ReaderStats) => s.engines.stable.total + s.engines.canary.total;
			linesPerSec = ((total(stats1) - total(stats0)) * 1000) / Math.max(1, stats1.at - stats0.at);
		}

		// Key press to changed frame: '?' opens the help, escape closes it.
		const keyTimes: number[] = [];
		for (let i = 0; i < 3; i++) {
			const k0 = performance.now();
			await tmux.sendKeys('?');
			const shown = await until(async () => isHelpShown(await tmux.capture()), 5000, 2);
			if (shown) keyTimes.push(performance.now() - k0);
			await tmux.sendKeys('Escape');
			await until(async () => !isHelpShown(await tmux.capture()), 5000, 10);
			await sleep(300);
		}

		return {
			firstFrameMs,
			cpuPercent: cpuPercent(cpu0, cpu1, t1 - t0),
			peakRssMb: mb(mem.hwm),
			heapUsedMb: mb(stats1?.memory?.heapUsed ?? null),
			heapTotalMb: mb(stats1?.memory?.heapTotal ?? null),
			rssAt2MinMb,
			rssAt5MinMb,
			bytesPerSec: ((bytes1 - bytes0) * 1000) / (t1 - t0),
			lagMedianMs: spread(lags)?.median ?? null,
			lagP95Ms: quantile(lags, 0.95),
			lost,
			expected,
			linesPerSec,
			publishesPerSec,
			keyMs: spread(keyTimes)?.median ?? null,
			phaseSec: (t1 - t0) / 1000,
		};
	} finally {
		await tmux.sendKeys('q').catch(() => {});
		await until(() => tmux.paneDead(), 10_000, 100);
		await tmux.kill();
		rmSync(dir, {recursive: true, force: true});
	}
}
