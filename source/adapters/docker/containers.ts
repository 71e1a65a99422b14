import type Docker from 'dockerode';
import type {ContainerControl, ContainerDetails, ContainerState, ContainerTarget} from '../../core/guide/containers.ts';
import type {CommandResult} from '../../core/types.ts';
import {describeDockerError, endpointOf} from './connect.ts';

// The emergency actions' containers on a real Docker Engine: stop and restart by name, then
// wait for the state the action promised (a stop returns once the container has exited).

export function createDockerContainers(docker: Docker, names: Record<ContainerTarget, string>, options: {timeoutMs?: number} = {}): ContainerControl {
	const timeoutMs = options.timeoutMs ?? 20_000;
	const inspect = async (target: ContainerTarget): Promise<Docker.ContainerInspectInfo | null> => {
		try {
			return await docker.getContainer(names[target]).inspect();
		} catch (error) {
			if ((error as {statusCode?: number}).statusCode === 404) return null;
			throw error;
		}
	};
	const stateOf = (info: Docker.ContainerInspectInfo | null): ContainerState => {
		if (!info) return 'missing';
		if (info.State.Restarting) return 'restarting';
		return info.State.Running ? 'running' : 'exited';
	};
	const waitFor = async (target: ContainerTarget, want: (state: ContainerState) => boolean, done: string): Promise<CommandResult> => {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const state = stateOf(await inspect(target));
			if (want(state)) return {ok: true, exitCode: 0, output: done};
			if (Date.now() > deadline) return {ok: false, exitCode: null, output: `${names[target]} is ${state} ${timeoutMs} ms later`};
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	};
	const act = async (_target: ContainerTarget, run: () => Promise<CommandResult>): Promise<CommandResult> => {
		try {
			return await run();
		} catch (error) {
			return {ok: false, exitCode: null, output: describeDockerError(error, endpointOf(docker))};
		}
	};
	return {
		name: (target) => names[target],
		async state(target) {
			try {
				return stateOf(await inspect(target));
			} catch {
				return 'unknown';
			}
		},
		async inspect(target): Promise<ContainerDetails> {
			const info = await inspect(target);
			if (!info) throw new Error(`no container ${names[target]}`);
			const image = await docker.getImage(info.Image).inspect().catch(() => null);
			return {
				state: stateOf(info),
				exitCode: info.State.ExitCode ?? null,
				oomKilled: info.State.OOMKilled === true,
				restarts: info.RestartCount ?? 0,
				startedAt: info.State.StartedAt && !info.State.StartedAt.startsWith('0001') ? info.State.StartedAt : null,
				image: info.Config.Image,
				imageId: info.Image ?? null,
				imageCreated: image?.Created ?? null,
			};
		},
		// `restart: unless-stopped` leaves a container stopped by `docker stop` stopped.
		stop: (target) =>
			act(target, async () => {
				await docker.getContainer(names[target]).stop({t: 10}).catch((error: {statusCode?: number}) => {
					if (error.statusCode !== 304) throw error; // 304: already stopped
				});
				return waitFor(target, (state) => state === 'exited', `${names[target]} stopped`);
			}),
		restart: (target) =>
			act(target, async () => {
				await docker.getContainer(names[target]).restart({t: 5});
				return waitFor(target, (state) => state === 'running', `${names[target]} restarted`);
			}),
	};
}
