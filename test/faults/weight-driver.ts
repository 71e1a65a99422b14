// A console process for the signal tests: the demo composition (lab + Monitor) running one
// headless weight change 90/10 -> 50/50, printing each step as it starts and pausing there
// (the event loop blocked, as a slow disk would) so a signal lands inside that step.
// Usage: node --import tsx test/faults/weight-driver.ts DIR AUDIT_PATH

import {join} from 'node:path';
import {startLabForFaults, watch} from './harness.ts';
import type {ActionState} from '../../source/core/snapshot.ts';
import {runHeadless} from '../../source/headless.ts';

const [dir, auditPath] = process.argv.slice(2) as [string, string];
const lab = await startLabForFaults({dir});
process.stdout.write(`PIDS ${lab.pids().join(' ')}\nROLES ${lab.roles.stable} ${lab.roles.canary}\nCONFIG ${join(dir, 'canary.conf')}\n`);
// Not started here: runHeadless starts it, as the CLI does.
const {monitor} = watch(lab, {auditPath, start: false});
const actions = monitor.actions as unknown as {set(state: ActionState): void};
const set = actions.set.bind(actions);
const seen = new Set<string>();
const pause = new Int32Array(new SharedArrayBuffer(4));
actions.set = (state: ActionState) => {
	set(state);
	if (state.phase !== 'applying') return;
	const step = state.steps.at(-1);
	if (step && step.state === 'running' && !seen.has(step.name)) {
		seen.add(step.name);
		process.stdout.write(`STEP ${step.name}\n`);
		Atomics.wait(pause, 0, 0, 300);
	}
};
const code = await runHeadless(monitor as never, {command: 'weights', args: ['50/50'], json: false, yes: true, shutdown: () => lab.stop()});
process.stdout.write(`EXIT ${code}\n`);
process.exit(code);
