// A console process for the signal tests: the headless `weights 50/50 --yes` command
// (runHeadless, with its own SIGTERM/SIGINT/SIGHUP handlers) over a small deployment whose
// balancer lives in the test process, as nginx lives outside the console. It prints every step
// as it starts and holds the named step (the event loop blocked, as a slow disk would) until
// the test, having sent its signal, writes a byte to stdin: the signal lands inside that step.
// Usage: node --import tsx test/faults/weight-driver.ts '<DriverSetup as JSON>'

import {readSync} from 'node:fs';
import {buildConfig} from '../../source/config.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {createLabProxy} from '../../source/lab/lab-proxy.ts';
import {runHeadless} from '../../source/headless.ts';
import type {ActionState} from '../../source/core/monitor/snapshot.ts';
import type {LogSource, StatsSource} from '../../source/core/types.ts';
import type {Roles} from '../../source/domain/upstream.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';

export interface DriverSetup {
	configPath: string;
	auditPath: string;
	stateDir: string;
	roles: Roles;
	urls: {balancer: string; stable: string; canary: string};
	/** POST here asks the balancer in the test process to re-read the file (the lab's SIGHUP). */
	reloadUrl: string;
	/** The step to hold until a byte arrives on stdin. */
	hold: string;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as DriverSetup;

const config = buildConfig([
	{
		urls: setup.urls,
		roles: setup.roles,
		auditPath: setup.auditPath,
		stateDir: setup.stateDir,
		pollIntervalMs: 100,
		windowSec: 5,
		analysisIntervalSec: 1,
		sampleSize: 40,
		verifyTimeoutMs: 4000,
	},
]);

const proxy = createLabProxy({
	configPath: setup.configPath,
	upstream: config.upstream,
	roles: setup.roles,
	async reload() {
		const response = await fetch(setup.reloadUrl, {method: 'POST'});
		return (await response.json()) as {ok: boolean; message: string};
	},
});

const logs: LogSource = {follow: () => {}};
const stats: StatsSource = {read: async () => ({memUsed: 100 << 20, memLimit: 512 << 20, cpuPercent: 1, startedAt: Date.now() - 60_000, restarts: 0})};
const monitor = new Monitor({openState, splitSampler: httpSplitSampler, config, http: createHttpProbe(), logs, stats, proxy, runtime: {kind: 'lab', describe: 'signal test deployment'}});

// Every step the flow starts goes through the public `state` field: watch its assignments.
const actions = monitor.actions;
let state: ActionState = actions.state;
const seen = new Set<string>();
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks until stdin has a byte or is closed (the test gone). */
function hold(): void {
	const byte = Buffer.alloc(1);
	for (;;) {
		try {
			readSync(0, byte, 0, 1, null);
			return;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code !== 'EAGAIN' && code !== 'EINTR') return;
			Atomics.wait(pause, 0, 0, 5);
		}
	}
}
Object.defineProperty(actions, 'state', {
	get: () => state,
	set: (next: ActionState) => {
		state = next;
		if (next.phase !== 'applying') return;
		const step = next.steps.at(-1);
		if (!step || step.state !== 'running' || seen.has(step.name)) return;
		seen.add(step.name);
		// Pipes are written synchronously on Linux: the line is out before the pause.
		process.stdout.write(`STEP ${step.name}\n`);
		if (step.name === setup.hold) hold();
	},
});

const code = await runHeadless(monitor, {command: 'weights', args: ['50/50'], json: false, yes: true, shutdown: async () => {}});
process.stdout.write(`EXIT ${code}\n`);
process.exit(code);
