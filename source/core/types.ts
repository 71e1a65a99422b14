// The seams between the core and the outside world. Each interface has one Docker
// implementation and one lab implementation; nothing above them knows which it has.

export {ENGINE_ROLES, type EngineRole, type LogGap, type ProbeFailure, type RawLine} from '../domain/engine.ts';
import type {EngineRole, LogGap, ProbeFailure, RawLine} from '../domain/engine.ts';

export interface LogSink {
	/** A batch of lines, in order for that engine. */
	lines(batch: RawLine[]): void;
	gap(gap: LogGap): void;
	/** The stream's state changed: attached, waiting for the container, failed with a message. */
	status(engine: EngineRole, state: 'attached' | 'waiting' | 'failed', message?: string): void;
}

/** Follows an engine's log output until the signal aborts; reattaches by itself. */
export interface LogSource {
	follow(engine: EngineRole, sink: LogSink, signal: AbortSignal): void;
}

export interface ResourceReading {
	/** Bytes in use (the docker CLI's figure: minus inactive file cache). */
	memUsed: number;
	/** Bytes available to the engine: cgroup limit, or the host's memory when unlimited. */
	memLimit: number;
	/** Percent of one core (100 = one full core), null until two readings exist. */
	cpuPercent: number | null;
	/** When the engine (process or container) started, ms since epoch, when known. */
	startedAt: number | null;
	/** Restarts seen by the runtime (Docker's RestartCount, or the lab's own count). */
	restarts: number;
	/** Container or process state, when the runtime tells it. */
	state?: 'running' | 'restarting' | 'exited' | 'missing';
	/** Exit code of the last exit, when there was one. */
	exitCode?: number | null;
	/** The last exit was an out-of-memory kill (Docker's State.OOMKilled, the lab's limit). */
	oomKilled?: boolean;
}

/** What the runtime did to an engine's process or container: Docker events, the lab's supervisor. */
export interface LifecycleEvent {
	engine: EngineRole;
	/** Milliseconds since the epoch. */
	at: number;
	kind: 'start' | 'die' | 'oom';
	/** For 'die': the exit code, when known. */
	exitCode?: number | null;
	/** The container, when the role runs as several replicas. */
	container?: string;
}

/** Follows both engines' lifecycle events until the signal aborts; never throws, reconnects by itself. */
export interface LifecycleSource {
	watch(sink: (event: LifecycleEvent) => void, signal: AbortSignal): void;
}

/** Memory and CPU of an engine; readings come from background polling, never the render path. */
export interface StatsSource {
	/** The role's reading (with replicas: the worst memory share, restarts added up). */
	read(engine: EngineRole, signal?: AbortSignal): Promise<ResourceReading>;
	/** One replica's reading (S1, C2, ...), where the source knows replicas. */
	readReplica?(replica: string, signal?: AbortSignal): Promise<ResourceReading>;
	/** The runtime reported a lifecycle event of the role: its restart count and state are read again now. */
	stale?(engine: EngineRole): void;
}

export interface CommandResult {
	ok: boolean;
	exitCode: number | null;
	/** stdout and stderr together, as the tool printed them. */
	output: string;
}

/** The balancer whose upstream weights the console changes. */
export interface ProxyControl {
	/** One line for the screen, e.g. "nginx 1.22.1 (local)" or "lab balancer (no nginx on PATH)". */
	readonly describe: string;
	/** Host path of the config file that holds the upstream block. */
	readonly configPath: string;
	/** The config file as it is on the host. */
	readHost(): Promise<string>;
	/** Writes the config in place (same inode) and fsyncs it. Never by rename. */
	writeHost(text: string): Promise<void>;
	/** The config as the proxy itself sees it (inside the container for Docker). */
	readSeen(): Promise<string>;
	/** `nginx -t` or the equivalent. */
	validate(): Promise<CommandResult>;
	/** `nginx -s reload` or the equivalent. */
	reload(): Promise<CommandResult>;
	/** Restarts the proxy (reconnects a detached single-file bind mount). */
	restart?(): Promise<CommandResult>;
}

export interface HttpResult {
	status: number;
	headers: Record<string, string>;
	body: string;
	/** Time to the complete body in ms. */
	ms: number;
}

/** HTTP GET with timeouts over keep-alive connections; rejects with a ProbeError. */
export interface HttpProbe {
	get(url: string, options?: {signal?: AbortSignal; timeoutMs?: number; headers?: Record<string, string>}): Promise<HttpResult>;
	close(): Promise<void>;
}

export class ProbeError extends Error {
	constructor(
		readonly kind: ProbeFailure,
		message: string,
	) {
		super(message);
		this.name = 'ProbeError';
	}
}

/** Where the engines run: shown in the header and used for the services strip. */
export interface RuntimeInfo {
	kind: 'docker' | 'lab';
	/** e.g. "Docker 28.2 at unix:///var/run/docker.sock" or "lab (3 local processes)". */
	describe: string;
}

export interface Clock {
	now(): number;
}

export const systemClock: Clock = {now: () => Date.now()};
