// The lab's stand-in for Docker's restart policy and memory limit, one per engine process: it
// starts the engine, restarts it about a second after it exits by itself (as `restart:
// unless-stopped` does), kills it when its memory reaches the limit (an OOM kill: exit 137),
// and reports each start, die and oom as a lifecycle event.

import type {ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {constants} from 'node:os';
import type {EngineRole, LifecycleEvent} from '../core/types.ts';
import type {LabLogs} from './lab-logs.ts';
import {hasExited, spawnLabChild, stopChild} from './lab-process.ts';
import {parseVmRss} from './lab-stats.ts';

export type EngineState = 'running' | 'restarting' | 'exited';

export interface SupervisedInfo {
	pid: number | null;
	startedAt: number | null;
	/** Restarts so far: by the restart policy and by the lab's own restartEngine(). */
	restarts: number;
	state: EngineState;
	/** Exit code of the last exit (128 + signal for a signal, as Docker reports it), null before any. */
	exitCode: number | null;
	/** The last exit was the supervisor's kill at the memory limit. */
	oomKilled: boolean;
}

export interface SupervisorOptions {
	engine: EngineRole;
	/** The replica's label (S2, C1, ...) when a role runs more than one: its log lines carry it. */
	replica?: string;
	/** How messages name it; default engine-<role>. */
	name?: string;
	/** The engine's argv for the next start (faults and seed may change between starts). */
	args: (start: number) => string[];
	logs: LabLogs;
	emit: (event: LifecycleEvent) => void;
	/** Bytes: at this resident size the process is killed as an OOM kill. */
	memLimit: number;
	autoRestart: boolean;
	/** Docker brings a crashed container back in about a second. */
	restartDelayMs?: number;
	/** How often the resident size is read against the limit. */
	memoryCheckMs?: number;
	/** Called before a restart after a crash (the lab drops one-shot faults there). */
	onCrashRestart?: () => void;
}

export interface EngineSupervisor {
	/** First start; rejects when the engine does not come up (nothing is restarted then). */
	start(): Promise<void>;
	/** The lab's own restart: stop, then start again. */
	restart(): Promise<void>;
	stop(): Promise<void>;
	info(): SupervisedInfo;
	child(): ChildProcess | null;
}

export const RESTART_DELAY_MS = 1000;
const MB = 1024 * 1024;

/** Docker's exit code: the process's own, or 128 + the signal's number when a signal ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number | null {
	if (code !== null) return code;
	const number = signal ? constants.signals[signal] : undefined;
	return number === undefined ? null : 128 + number;
}

export function createEngineSupervisor(options: SupervisorOptions): EngineSupervisor {
	const {engine, logs} = options;
	const name = options.name ?? `engine-${engine}`;
	const restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
	let current: ChildProcess | null = null;
	let startedAt: number | null = null;
	let restarts = 0;
	let starts = 0;
	let state: EngineState = 'exited';
	let exitCode: number | null = null;
	let oomKilled = false;
	/** Set while the lab itself stops the process, so that exit is not a crash. */
	let intentional = false;
	let stopped = false;
	let oomPending = false;
	let restartTimer: NodeJS.Timeout | null = null;
	let memoryTimer: NodeJS.Timeout | null = null;

	const emit = (kind: LifecycleEvent['kind'], code?: number | null) => options.emit({engine, at: Date.now(), kind, ...(kind === 'die' ? {exitCode: code ?? null} : {})});

	function watchMemory(child: ChildProcess): void {
		if (memoryTimer) clearInterval(memoryTimer);
		memoryTimer = setInterval(() => {
			if (child !== current || hasExited(child) || oomPending || child.pid === undefined) return;
			let rss: number | null = null;
			try {
				rss = parseVmRss(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
			} catch {
				return; // gone meanwhile, or not Linux: no limit to enforce
			}
			if (rss === null || rss < options.memLimit) return;
			// The kernel's OOM killer under a cgroup limit: SIGKILL, no goodbye, exit 137.
			oomPending = true;
			emit('oom');
			logs.detached(engine, `${name} out of memory: ${Math.round(rss / MB)} MB reached the ${Math.round(options.memLimit / MB)} MB limit, killed`);
			child.kill('SIGKILL');
		}, options.memoryCheckMs ?? 200);
		memoryTimer.unref();
	}

	function onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
		if (child !== current) return;
		if (memoryTimer) clearInterval(memoryTimer);
		memoryTimer = null;
		exitCode = exitCodeOf(code, signal);
		oomKilled = oomPending;
		oomPending = false;
		if (intentional || stopped) return;
		// A crash (or an OOM kill): the engine went away by itself.
		const downAt = Date.now();
		emit('die', exitCode);
		const why = oomKilled ? 'was OOM-killed (exit 137)' : `exited (${signal ?? `code ${code}`})`;
		logs.detached(engine, `${name} ${why}`);
		if (!options.autoRestart) {
			state = 'exited';
			return;
		}
		state = 'restarting';
		restartTimer = setTimeout(() => {
			restartTimer = null;
			if (stopped || intentional) return;
			options.onCrashRestart?.();
			restarts++;
			launch().then(
				() => {
					const gapMs = Date.now() - downAt;
					const what = oomKilled ? 'was OOM-killed' : 'crashed';
					logs.gap({engine, at: Date.now(), gapMs, reason: `${name} ${what} and restarted, ${(gapMs / 1000).toFixed(1)} s gap`});
				},
				// Its exit, if it had one, has already scheduled the next try.
				(error: Error) => logs.detached(engine, error.message),
			);
		}, restartDelayMs);
	}

	async function launch(): Promise<void> {
		const {child} = await spawnLabChild(options.args(starts++), {
			onSpawn: (spawned) => {
				current = spawned;
				startedAt = Date.now();
				state = 'running';
				emit('start');
				logs.attach(engine, spawned, options.replica);
				spawned.once('exit', (code, signal) => onExit(spawned, code, signal));
				watchMemory(spawned);
			},
		});
		intentional = false;
		if (child !== current) throw new Error(`${name} was replaced while starting`);
	}

	async function halt(): Promise<void> {
		intentional = true;
		if (restartTimer) clearTimeout(restartTimer);
		restartTimer = null;
		if (memoryTimer) clearInterval(memoryTimer);
		memoryTimer = null;
		const child = current;
		if (child && !hasExited(child)) {
			await stopChild(child);
			exitCode = exitCodeOf(child.exitCode, child.signalCode);
			oomKilled = false;
		}
	}

	return {
		start: () => launch(),
		async restart() {
			const had = current !== null && !hasExited(current);
			await halt();
			if (stopped) return;
			state = 'restarting';
			if (had) emit('die', exitCode);
			logs.detached(engine, `${name} restarting`);
			restarts++;
			await launch();
		},
		async stop() {
			stopped = true;
			await halt();
			state = 'exited';
		},
		info() {
			const pid = current && !hasExited(current) ? (current.pid ?? null) : null;
			return {pid, startedAt, restarts, state, exitCode, oomKilled};
		},
		child: () => current,
	};
}
