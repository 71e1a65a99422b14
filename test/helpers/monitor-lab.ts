import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {buildConfig, type Config} from '../../source/config.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {Monitor} from '../../source/core/monitor.ts';
import {startLab, type Lab, type LabOptions} from '../../source/lab/lab.ts';
import {alive} from './processes.ts';

// A real lab (two engine processes, the node balancer, the load generator) watched by the real
// Monitor, composed the way the CLI's demo runtime composes them, with a short clock for tests.

export interface MonitorLab {
	lab: Lab;
	monitor: Monitor;
	/** Every pid the lab ever reported, so a survivor after stop() can be found. */
	pids: Set<number>;
	stop(): Promise<void>;
}

/** Short windows so a test sees many analysis windows in seconds. */
export const TEST_CONFIG = {pollIntervalMs: 500, windowSec: 4, analysisIntervalSec: 2};

export async function startMonitorLab(options: {lab?: LabOptions; config?: Record<string, unknown>; start?: boolean} = {}): Promise<MonitorLab> {
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 20, ...options.lab});
	const pids = new Set(lab.pids());
	let monitor: Monitor;
	// Lock and backups of the weight flow: a directory of the test's own, removed at stop.
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-state-'));
	try {
		const base: Config = buildConfig([{...TEST_CONFIG, ...options.config}]);
		const config: Config = {...base, urls: lab.urls, roles: lab.roles, upstream: lab.upstream, auditPath: '/dev/null', stateDir};
		monitor = new Monitor({config, http: createHttpProbe(), logs: lab.logs, stats: lab.stats, proxy: lab.proxy, runtime: lab.runtime});
	} catch (error) {
		await lab.stop();
		throw error;
	}
	if (options.start !== false) monitor.start();
	let stopped = false;
	return {
		lab,
		monitor,
		pids,
		async stop() {
			if (stopped) return;
			stopped = true;
			for (const pid of lab.pids()) pids.add(pid);
			await monitor.stop().catch(() => {});
			await lab.stop();
			rmSync(stateDir, {recursive: true, force: true});
		},
	};
}


/** Waits until every pid is gone (a stopped child may take a moment to be reaped). */
export async function survivors(pids: Iterable<number>, timeoutMs = 3000): Promise<number[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const left = [...pids].filter(alive);
		if (left.length === 0 || Date.now() > deadline) return left;
		await delay(50);
	}
}

/** Polls `check` until it returns a truthy value; throws with `what` at the deadline. */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await delay(everyMs);
	}
}
