import type {ContainerControl, ContainerState, ContainerTarget} from '../core/containers.ts';
import type {CommandResult} from '../core/types.ts';

// The emergency actions' "containers" in the lab: the canary engine process, the balancer and,
// when redis-server is installed, the lab's Redis. Missing parts say so instead of pretending.

export interface LabParts {
	engineState(): ContainerState;
	stopEngine(): Promise<void>;
	restartEngine(): Promise<void>;
	restartBalancer?: () => Promise<CommandResult>;
	redis?: {state(): ContainerState; restart(): Promise<void>} | null;
}

const NAMES: Record<ContainerTarget, string> = {canary: 'engine-canary', nginx: 'lab balancer', redis: 'redis-canary'};

export function createLabContainers(parts: () => LabParts | null): ContainerControl {
	const run = async (work: () => Promise<CommandResult | void>, done: string): Promise<CommandResult> => {
		try {
			return (await work()) ?? {ok: true, exitCode: 0, output: done};
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
			if (target === 'nginx') return lab.restartBalancer ? run(() => lab.restartBalancer!(), 'lab balancer restarted') : absent('restarting the balancer');
			const redis = lab.redis;
			return redis ? run(() => redis.restart(), 'redis-canary restarted') : absent('Redis');
		},
	};
}
