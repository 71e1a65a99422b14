import {NODE_FLAGS} from '../source/node-flags.ts';
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {readConsoleStats, type ConsoleStats} from './console-stats.ts';
import {engineTotals, freePorts, setLogRate} from './engine-stats.ts';
import {lostBetween, offsetAt, type Offset, type Reading} from './loss.ts';
import {cpuPercent, cpuSeconds, memory} from './proc.ts';
import {sleep, until} from './poll.ts';
import {isCompleteFrame, isHelpShown, newestLogTime} from './screen.ts';
import {TmuxSession} from './tmux.ts';
import {startDockerDeployment, type DockerDeployment} from './docker-deployment.ts';
import {spawn, type ChildProcess} from 'node:child_process';
import {quantile, spread} from './stats.ts';

// One run of the real CLI, as a user starts it (`canary-console demo --balancer lab ...`,
// dist/ through bin/canary-console.js), in tmux at 120x40 against lab engines logging at one rate.

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
	/** Lines the engines wrote in the phase that the console never received. */
	lost: number | null;
	lostExact: boolean;
	/** The most lines that could have been lost (equals `lost` when exact). */
	lostMost: number | null;
	/** Lines the engines dropped in the phase because the console did not read fast enough. */
	engineDropped: number | null;
	written: number | null;
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
	/** The screen measured: the overview, or the logs view (key 2). */
	view: 'overview' | 'logs';
	/** Set: the engines are containers on this Docker Engine; unset: the demo's lab. */
	dockerHost?: string;
	/** Lab engine replicas per role (`demo --replicas S,C`); one each when absent. */
	replicas?: {stable: number; canary: number};
}

export const isLogsView = (pane: string) => /^─ logs \d+ lines/m.test(pane);

function size(path: string): number {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
}

const mb = (bytes: number | null) => (bytes === null ? null : bytes / (1024 * 1024));

/** The console process in the pane: the pane's own process when it is the CLI (bin/ imports dist/ in-process). */
async function consolePid(panePid: number): Promise<number> {
	const title = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0];
	const found = await until(async () => ((await title(panePid)).startsWith('canary-console') ? panePid : null), 10_000, 50);
	if (found === null) throw new Error(`the pane's process ${panePid} never took the title canary-console (cmdline: ${await title(panePid)})`);
	return found;
}

interface Quiet {
	offset: Offset;
	engineDropped: number;
	stats: ConsoleStats;
}

/**
 * With the background logging stopped, brackets written - received around the console's
 * once-a-second record until no line was written inside the bracket (or `timeoutMs` passes).
 */
async function quietOffset(ports: number[], statsPath: string, timeoutMs: number): Promise<Quiet> {
	// The console is idle once the background logging stops; two agreeing brackets catch a backlog.
	const settleMs = 150;
	const readings: Reading[] = [];
	const records: ConsoleStats[] = [];
	let best: Quiet | null = null;
	let dropped = 0;
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const from = Date.now();
		const totals = await engineTotals(ports);
		readings.push({from, to: Date.now(), written: totals.linesWritten});
		dropped = totals.linesDropped;
		const record = readConsoleStats(statsPath);
		if (record && (records.length === 0 || records.at(-1)!.at !== record.at)) records.push(record);
		// Two exact brackets (of different records) that agree: a backlog the console was still
		// reading would make the later one smaller, so agreement means it has caught up.
		let exact: Quiet | null = null;
		for (const r of records) {
			const offset = offsetAt(readings, r, settleMs);
			if (!offset) continue;
			if (best === null || offset.high - offset.low < best.offset.high - best.offset.low || (offset.exact && best.offset.exact)) best = {offset, engineDropped: dropped, stats: r};
			if (!offset.exact) continue;
			if (exact && exact.offset.low === offset.low) return {offset, engineDropped: dropped, stats: r};
			exact = {offset, engineDropped: dropped, stats: r};
		}
		await sleep(30);
	}
	if (!best) throw new Error('no console stats record to measure loss against');
	return best;
}

export async function runConsole(options: ConsoleRunOptions): Promise<ConsoleRun> {
	const dir = mkdtempSync(join(tmpdir(), 'canary-bench-'));
	const statsPath = join(dir, 'stats.jsonl');
	const ttyPath = join(dir, 'tty.bytes');
	const env: NodeJS.ProcessEnv = {...process.env, TZ: 'UTC', CANARY_CONSOLE_STATS_FILE: statsPath, TERM: 'xterm-256color'};
	// Ink renders only the final frame when CI is set (FACTS.md §4).
	delete env.CI;
	delete env.TMUX;
	delete env.NODE_OPTIONS;
	const bin = join(options.root, 'bin', 'canary-console.js');
	let deployment: DockerDeployment | null = null;
	let load: ChildProcess | null = null;
	let argv: string[];
	let enginePorts: number[];
	if (options.dockerHost) {
		// The guide's deployment on a real Docker Engine; the console attaches as users attach it.
		deployment = await startDockerDeployment(options.dockerHost, dir);
		enginePorts = [deployment.ports.stable, deployment.ports.canary];
		env.DOCKER_HOST = options.dockerHost;
		argv = [process.execPath, ...NODE_FLAGS, bin, '--config', deployment.consoleConfig];
		// The same light load as the lab's, from outside the console (as users' traffic is).
		load = spawn(process.execPath, [bin, 'lab', 'load', '--url', `http://127.0.0.1:${deployment.ports.balancer}`, '--rps', String(options.rps)], {stdio: 'ignore', env: {...env, CANARY_CONSOLE_STATS_FILE: ''}});
	} else {
		const engines = options.replicas ? options.replicas.stable + options.replicas.canary : 2;
		const [balancer, ...engineList] = await freePorts(1 + engines);
		enginePorts = engineList;
		const replicas = options.replicas ? ['--replicas', `${options.replicas.stable},${options.replicas.canary}`] : [];
		// The node flags of `npm run demo` and the bin's shebang (package.json NODE_FLAGS).
		argv = [process.execPath, ...NODE_FLAGS, bin, 'demo', '--balancer', 'lab', '--rps', String(options.rps), '--log-rate', String(options.logRate), ...replicas, '--lab-ports', [balancer, ...engineList].join(',')];
	}
	const started = Date.now();
	const tmux = await TmuxSession.start({socket: `canary-bench-${process.pid}-${started}`, argv, env, cwd: options.root});
	const perEngine = options.logRate / enginePorts.length;
	try {
		await tmux.pipeTo(ttyPath);
		const pid = await consolePid(await tmux.panePid());
		const framed = await until(async () => isCompleteFrame(await tmux.capture()), 30_000, 10);
		const firstFrameMs = framed ? Date.now() - started : null;
		if (!framed) throw new Error(`the console showed no complete frame within 30 s:\n${await tmux.capture()}`);
		// The record starts once the lab is up (run-screen.ts): ten replicas take longer than two engines.
		const statsWaitMs = options.replicas ? 30_000 : 5000;
		if (!(await until(() => readConsoleStats(statsPath), statsWaitMs, 50))) throw new Error(`the console wrote no CANARY_CONSOLE_STATS_FILE record within ${statsWaitMs / 1000} s`);
		if (deployment) await Promise.all(enginePorts.map((port) => setLogRate(port, perEngine)));
		if (options.view === 'logs') {
			await tmux.sendKeys('2');
			if (!(await until(async () => isLogsView(await tmux.capture()), 5000, 20))) throw new Error(`key 2 did not open the logs view:\n${await tmux.capture()}`);
		}
		await sleep(options.warmupMs);

		// Loss is counted from a quiet point before the phase to one after it (the startup replay
		// of the engines' recent lines makes received and written differ from the start).
		await Promise.all(enginePorts.map((port) => setLogRate(port, 0)));
		const before = await quietOffset(enginePorts, statsPath, 20_000);
		await Promise.all(enginePorts.map((port) => setLogRate(port, perEngine)));
		await sleep(1000);

		const t0 = Date.now();
		const cpu0 = cpuSeconds(pid);
		const bytes0 = size(ttyPath);
		const stats0 = readConsoleStats(statsPath);
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
		const stats1 = readConsoleStats(statsPath);
		const mem = memory(pid);
		if (options.long && rssAt5MinMb === null) rssAt5MinMb = mb(mem.rss);

		await Promise.all(enginePorts.map((port) => setLogRate(port, 0)));
		const after = await quietOffset(enginePorts, statsPath, 20_000);
		const loss = lostBetween(before.offset, after.offset);

		let linesPerSec = 0;
		let publishesPerSec: number | null = null;
		if (stats0 && stats1 && stats1.at > stats0.at) {
			publishesPerSec = ((stats1.publishes - stats0.publishes) * 1000) / (stats1.at - stats0.at);
			linesPerSec = ((stats1.received - stats0.received) * 1000) / (stats1.at - stats0.at);
		}

		// Key press to changed frame, with the load back on: '?' opens the help, escape closes it.
		await Promise.all(enginePorts.map((port) => setLogRate(port, perEngine)));
		await sleep(1000);
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
			lost: loss.lost,
			lostExact: loss.exact,
			lostMost: loss.most,
			engineDropped: after.engineDropped - before.engineDropped,
			written: after.stats.received - before.stats.received + loss.lost,
			linesPerSec,
			publishesPerSec,
			keyMs: spread(keyTimes)?.median ?? null,
			phaseSec: (t1 - t0) / 1000,
		};
	} finally {
		await tmux.sendKeys('q').catch(() => {});
		await until(() => tmux.paneDead(), 10_000, 100);
		await tmux.kill();
		load?.kill();
		await deployment?.remove();
		rmSync(dir, {recursive: true, force: true});
	}
}
