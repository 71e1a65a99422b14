import type Docker from 'dockerode';
import type {ContainerControl, ContainerState, ContainerTarget} from '../../core/guide/containers.ts';
import type {CommandResult} from '../../core/types.ts';
import {createDockerContainers} from './containers.ts';
import type {DockerEndpointPool} from './endpoints.ts';
import type {DockerReplica} from './replica-logs.ts';

// The emergency actions when the canary runs as several replicas, possibly on several hosts:
// "stop the canary" stops every canary replica on its own host, and is done when all have stopped.

const STATE_ORDER: ContainerState[] = ['unknown', 'running', 'restarting', 'exited', 'missing'];

/** The canary as a whole: running while any replica runs, unknown while any host does not answer. */
export function canaryState(states: readonly ContainerState[]): ContainerState {
	for (const state of STATE_ORDER) if (states.includes(state)) return state;
	return 'missing';
}

/** One ContainerControl whose canary target is every part's canary; nginx and Redis stay with `base`. */
export function combineCanaries(base: ContainerControl, canaries: ReadonlyArray<{name: string; control: ContainerControl}>): ContainerControl {
	const all = (act: (control: ContainerControl) => Promise<CommandResult>) => async (): Promise<CommandResult> => {
		const results = await Promise.all(canaries.map((c) => act(c.control)));
		return {
			ok: results.every((r) => r.ok),
			exitCode: results.every((r) => r.ok) ? 0 : (results.find((r) => !r.ok)?.exitCode ?? null),
			output: results.map((r, i) => `${canaries[i]!.name}: ${r.output}`).join('\n'),
		};
	};
	const pick = <T>(target: ContainerTarget, canary: () => T, other: () => T): T => (target === 'canary' && canaries.length > 0 ? canary() : other());
	return {
		name: (target) => pick(target, () => canaries.map((c) => c.name).join(', '), () => base.name(target)),
		state: (target) =>
			pick(
				target,
				async () => canaryState(await Promise.all(canaries.map((c) => c.control.state('canary')))),
				() => base.state(target),
			),
		stop: (target) => pick(target, all((control) => control.stop('canary')), () => base.stop(target)),
		restart: (target) => pick(target, all((control) => control.restart('canary')), () => base.restart(target)),
		// The troubleshooting view's details: the first canary replica that is not running, else the first.
		inspect: (target) =>
			pick(
				target,
				async () => {
					const states = await Promise.all(canaries.map((c) => c.control.state('canary')));
					const at = Math.max(0, states.findIndex((s) => s !== 'running'));
					return canaries[at]!.control.inspect!('canary');
				},
				() => base.inspect!(target),
			),
	};
}

/** ContainerControl over replicas: nginx and Redis on the console's host, every canary replica on its own. */
export function createReplicaContainers(pool: DockerEndpointPool, docker: Docker, replicas: readonly DockerReplica[], names: Record<ContainerTarget, string>): ContainerControl {
	const base = createDockerContainers(docker, names);
	const canaries = replicas
		.filter((r) => r.role === 'canary' && r.container)
		.map((r) => ({name: r.container!, control: createDockerContainers(pool.get(r.endpoint).docker, {...names, canary: r.container!})}));
	return combineCanaries(base, canaries);
}
