import {afterEach, beforeEach} from 'node:test';
import {randomInt} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {buildConfig, type Config} from '../../source/config.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {startLab, type Lab, type LabOptions} from '../../source/lab/lab.ts';
import {MAX_SEED, parseSeed} from '../../source/domain/seeded-random.ts';
import {alive} from './processes.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import {waitUntil} from './wait.ts';

// A real lab (two engine processes, the node balancer, the load generator) watched by the real
// Monitor, composed the way the CLI's demo runtime composes them, with a short clock for tests.

export interface MonitorLab {
	lab: Lab;
	monitor: Monitor;
	/** Every pid the lab ever reported, so a survivor after stop() can be found. */
	pids: Set<number>;
	stop(): Promise<void>;
}

// Every lab runs with a seed: CANARY_LAB_SEED=N replays a failed run's random draws (latency,
// errors, the load's request mix). A failed test prints the seeds of the labs that ran during it.
const SEED_ENV = 'CANARY_LAB_SEED';
const labRuns: Array<{seed: number; from: number; to: number | null}> = [];
const testStarts = new Map<string, number>();
beforeEach((t) => void testStarts.set(t.name, Date.now()));
afterEach((t) => {
	// TestContext.passed is in Node 20.20 but not yet in its type definitions.
	if ((t as {passed?: boolean}).passed === true) return;
	const from = testStarts.get(t.name) ?? 0;
	const seeds = new Set(labRuns.filter((run) => run.to === null || run.to >= from).map((run) => run.seed));
	for (const seed of seeds) process.stderr.write(`lab seed ${seed}: replay with ${SEED_ENV}=${seed}\n`);
});

/** The seed for the next lab: the replay variable when set, else a fresh one. */
export function labSeed(): number {
	const text = process.env[SEED_ENV];
	if (text === undefined || text === '') return randomInt(0, MAX_SEED + 1);
	const seed = parseSeed(text);
	if (seed === null) throw new Error(`${SEED_ENV} must be a whole number from 0 to ${MAX_SEED}, got "${text}"`);
	return seed;
}

/** Short windows so a test sees many analysis windows in seconds. */
export const TEST_CONFIG = {pollIntervalMs: 500, windowSec: 4, analysisIntervalSec: 2};

export async function startMonitorLab(options: {lab?: LabOptions; config?: Record<string, unknown>; start?: boolean; analysisTimer?: boolean} = {}): Promise<MonitorLab> {
	const run = {seed: options.lab?.seed ?? labSeed(), from: Date.now(), to: null as number | null};
	labRuns.push(run);
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 20, ...options.lab, seed: run.seed}).catch((error: Error) => {
		run.to = Date.now();
		throw error;
	});
	const pids = new Set(lab.pids());
	let monitor: Monitor;
	// Lock and backups of the weight flow: a directory of the test's own, removed at stop.
	const stateDir = mkdtempSync(join(tmpdir(), 'canary-state-'));
	try {
		const base: Config = buildConfig([{...TEST_CONFIG, ...options.config}]);
		const config: Config = {...base, urls: lab.urls, roles: lab.roles, upstream: lab.upstream, auditPath: typeof options.config?.auditPath === 'string' ? options.config.auditPath : '/dev/null', stateDir};
		monitor = new Monitor({openState, splitSampler: httpSplitSampler, config, http: createHttpProbe(), logs: lab.logs, stats: lab.stats, lifecycle: lab.lifecycle, proxy: lab.proxy, runtime: lab.runtime, analysisTimer: options.analysisTimer});
	} catch (error) {
		await lab.stop();
		run.to = Date.now();
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
			run.to = Date.now();
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
export function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
	return waitUntil(what, check, {timeoutMs, everyMs});
}
