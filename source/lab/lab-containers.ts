import type {ContainerControl, ContainerDetails, ContainerState, ContainerTarget} from '../core/guide/containers.ts';
import type {CommandResult} from '../core/types.ts';

// The emergency actions' "containers" in the lab: the canary engine process, the balancer and,
// when redis-server is installed, the lab's Redis. Missing parts say so instead of pretending.

export interface LabParts {
	engineState(): ContainerState;
	/** The canary engine process as the lab's supervisor knows it. */
	engineInfo(): {exitCode: number | null; oomKilled: boolean; restarts: number; startedAt: number | null};
	stopEngine(): Promise<void>;
	restartEngine(): Promise<void>;
	restartBalancer?: () => Promise<CommandResult>;
	redis?: {state(): ContainerState; restart(): Promise<void>} | null;
}

const NAMES: Record<ContainerTarget, string> = {canary: 'engine-canary', nginx: "the lab's balancer", redis: 'redis-canary'};

export function createLabContainers(parts: () => LabParts | null): ContainerControl {
	const run = async (work: () => Promise<unknown>, done: string): Promise<CommandResult> => {
		try {
			const result = await work();
			return isCommandResult(result) ? result : {ok: true, exitCode: 0, output: done};
		} catch (error) {
			return {ok: false, exitCode: null, output: (error as Error).message};
		}
	};
	const absent = (what: string): CommandResult => ({ok: false, exitCode: null, output: `${what} is not part of this lab`});
	return {
		name: (target) => NAMES[target],
		async state(target) {
			const lab = parts();
			if (!lab) return 'unknown';
			if (target === 'canary') return lab.engineState();
			if (target === 'nginx') return 'running';
			return lab.redis ? lab.redis.state() : 'missing';
		},
		async inspect(target): Promise<ContainerDetails> {
			const lab = parts();
			if (!lab) throw new Error('the lab is still starting');
			if (target !== 'canary') return {state: await this.state(target), exitCode: null, oomKilled: false, restarts: 0, startedAt: null, image: `${NAMES[target]} (a local process)`, imageId: null, imageCreated: null};
			const info = lab.engineInfo();
			return {state: lab.engineState(), ...info, startedAt: info.startedAt === null ? null : new Date(info.startedAt).toISOString(), image: 'lab engine 1.2.0 (a local node process, no image)', imageId: null, imageCreated: null};
		},
		async stop(target) {
			const lab = parts();
			if (!lab) return absent(NAMES[target]);
			if (target !== 'canary') return absent(`stopping ${NAMES[target]}`);
			return run(() => lab.stopEngine(), 'engine-canary stopped');
		},
		async restart(target) {
			const lab = parts();
			if (!lab) return absent(NAMES[target]);
			if (target === 'canary') return run(() => lab.restartEngine(), 'engine-canary restarted');
			if (target === 'nginx') return lab.restartBalancer ? run(() => lab.restartBalancer!(), "the lab's balancer restarted") : absent('restarting the balancer');
			const redis = lab.redis;
			return redis ? run(() => redis.restart(), 'redis-canary restarted') : absent('Redis');
		},
	};
}

function isCommandResult(value: unknown): value is CommandResult {
	return typeof value === 'object' && value !== null && 'ok' in value && 'output' in value;
}
