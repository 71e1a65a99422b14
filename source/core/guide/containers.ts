import type {CommandResult} from '../types.ts';

// The deployment's containers the emergency actions touch, by role: Docker containers for a
// real deployment, the lab's processes for the demo.

export type ContainerTarget = 'canary' | 'nginx' | 'redis';

export type ContainerState = 'running' | 'restarting' | 'exited' | 'missing' | 'unknown';

export interface ContainerControl {
	/** What the user knows it by, e.g. "engine-canary". */
	name(target: ContainerTarget): string;
	/** Never throws: an unreachable runtime is 'unknown'. */
	state(target: ContainerTarget): Promise<ContainerState>;
	/** Stops it and waits until it has stopped; never throws. */
	stop(target: ContainerTarget): Promise<CommandResult>;
	/** Restarts it and waits until it runs again; never throws. */
	restart(target: ContainerTarget): Promise<CommandResult>;
	/** The details the troubleshooting view shows; rejects with the reason. */
	inspect?(target: ContainerTarget): Promise<ContainerDetails>;
}

/** What the guide's "canary won't start" asks for: state, last exit, OOM flag, image and its age. */
export interface ContainerDetails {
	state: ContainerState;
	exitCode: number | null;
	oomKilled: boolean;
	restarts: number;
	/** When it last started (ISO), when known. */
	startedAt: string | null;
	/** The image as configured (name:tag) and its id. */
	image: string;
	imageId: string | null;
	/** When the image was built (ISO), when known. */
	imageCreated: string | null;
}
