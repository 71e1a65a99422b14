import type Docker from 'dockerode';
import type {EngineRole, LogSource, ProxyControl, RuntimeInfo} from '../../core/types.ts';
import {checkDocker, connectDocker, endpointOf} from './connect.ts';
import {deploymentNames, inspectServices, suggestNames, type ServiceState} from './inspect.ts';
import {createDockerLifecycleSource} from './lifecycle.ts';
import type {LifecycleSource} from '../../core/types.ts';
import {createDockerLogSource, type DockerLogOptions} from './logs.ts';
import {createDockerProxy} from './proxy.ts';
import {createDockerStatsSource, type DockerStatsSource} from './stats.ts';
import {DockerEndpointPool} from './endpoints.ts';
import {ContainerEvents} from './events.ts';
import {createReplicaLogSource, type DockerReplica} from './replica-logs.ts';
import {createReplicaLifecycleSource, createReplicaStatsSource, replicaServices} from './replica-hosts.ts';

export {describeDockerError, checkDocker, connectDocker, dockerEndpointFromEnv} from './connect.ts';
export {describeGap} from './logs.ts';
export {dockerExec} from './exec.ts';
export {createDockerLifecycleSource, parseLifecycleEvent} from './lifecycle.ts';
export {findNginxHostFile} from './nginx-file.ts';
export {refreshAliases} from './aliases.ts';
export type {ServiceState} from './inspect.ts';

export interface DockerAdaptersConfig {
	/** A client to use; by default one from DOCKER_HOST or the current context. */
	docker?: Docker;
	/** Where that client connects, for messages, e.g. "unix:///run/docker.sock (context prod)". */
	endpoint?: string;
	names: {stable: string; canary: string; nginx: string; services: string[]};
	nginxConfig: {host: string; container: string};
	logs?: DockerLogOptions;
	/**
	 * The replicas, when the config lists them (roles.<role> as a list): each on the Docker host
	 * it names. Left out for the single pair, which uses names.stable and names.canary.
	 */
	replicas?: readonly DockerReplica[];
	/**
	 * How often each container's stats are read (default 1000 ms): the console passes its poll
	 * interval, since a reading between two polls is never shown.
	 */
	statsIntervalMs?: number;
}

export interface DockerAdapters {
	logs: LogSource;
	stats: DockerStatsSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	/** start, die (exit code) and oom of both engines, from Docker's events. */
	lifecycle: LifecycleSource;
	docker: Docker;
	/** The engines, nginx and the deployment's other containers, in that order; nginx says when its config file is detached. */
	services(): Promise<ServiceState[]>;
	/** Reachable, and every container name exists (else the message lists those that do). */
	check(): Promise<{ok: boolean; message: string}>;
	close(): void;
	/** One client per Docker host the replicas run on (the default one included). */
	pool?: DockerEndpointPool;
	/** The replicas, when the config lists them. */
	replicas?: readonly DockerReplica[];
}

export function createDockerAdapters(config: DockerAdaptersConfig): DockerAdapters {
	const connected = config.docker ? null : connectDocker();
	const docker = config.docker ?? connected!.docker;
	const endpoint = config.endpoint ?? connected?.endpoint.describe ?? endpointOf(docker);
	const engines: Record<EngineRole, string> = {stable: config.names.stable, canary: config.names.canary};
	const required = [config.names.stable, config.names.canary, config.names.nginx];
	const runtime: {kind: 'docker'; describe: string} = {kind: 'docker', describe: `Docker at ${endpoint}`};
	// A client handed in (tests) is placed by its modem's settings.
	if (config.replicas) return replicaAdapters(config, config.replicas, docker, connected?.endpoint ?? {options: docker.modem as unknown as Docker.DockerOptions, describe: endpoint}, runtime);
	const stats = createDockerStatsSource(docker, engines, {intervalMs: config.statsIntervalMs});
	const proxy = createDockerProxy(docker, {container: config.names.nginx, hostConfigPath: config.nginxConfig.host, containerConfigPath: config.nginxConfig.container});
	// One container-events stream for the log followers and the services strip.
	const events = new ContainerEvents(docker);
	const closing = new AbortController();
	let known: {at: number; services: ServiceState[]} | null = null;
	let watching = false;
	return {
		docker,
		logs: createDockerLogSource(docker, engines, config.logs, events),
		stats,
		proxy,
		runtime,
		lifecycle: createDockerLifecycleSource(docker, engines),
		async services() {
			// The list and the inspections are read again only when a container event came since the
			// last reading, or it is older than SERVICES_RECHECK_MS: a quiet deployment costs no requests.
			if (!known || !events.quietSince(known.at) || Date.now() - known.at >= SERVICES_RECHECK_MS) {
				if (!watching && !closing.signal.aborted) {
					watching = true;
					events.watch(SERVICES_WATCH, closing.signal);
				} else events.ensureOpen();
				const at = Date.now();
				const names = await deploymentNames(docker, required, config.names.nginx, config.names.services);
				known = {at, services: await inspectServices(docker, names)};
			}
			// Copies: the mount check (its own 30 s recheck) writes its problem into nginx's entry.
			return withMountProblem(known.services.map((s) => ({...s})), config.names.nginx, proxy);
		},
		async check() {
			const result = await checkDocker(docker, endpoint);
			if (!result.ok) return {ok: false, message: result.message};
			runtime.describe = result.message;
			try {
				// Only the engines and nginx are required; the other services are shown when present.
				const missing = await suggestNames(docker, [config.names.stable, config.names.canary, config.names.nginx]);
				return missing ? {ok: false, message: missing} : {ok: true, message: result.message};
			} catch (error) {
				return {ok: false, message: (error as Error).message};
			}
		},
		close() {
			stats.close();
			closing.abort();
		},
	};
}

/** The services strip's reading is renewed at least this often, events or not. */
const SERVICES_RECHECK_MS = 30_000;
/** The name the services strip keeps the events stream open under (no container is named so). */
const SERVICES_WATCH = '\0services';

/** A running nginx's detached config, checked every poll so it shows before anyone presses a key. */
async function withMountProblem<T extends {name: string; found: boolean; state?: string; problem?: string | null}>(services: T[], nginxName: string, proxy: {mountProblem(): Promise<string | null>}): Promise<T[]> {
	const nginx = services.find((s) => s.name === nginxName);
	if (nginx?.found && nginx.state === 'running') {
		const problem = await proxy.mountProblem().catch(() => null);
		if (problem) nginx.problem = problem;
	}
	return services;
}

/** The adapters over replicas on one or several Docker hosts. */
function replicaAdapters(
	config: DockerAdaptersConfig,
	replicas: readonly DockerReplica[],
	docker: Docker,
	endpoint: import('./connect.ts').DockerEndpoint,
	runtime: {kind: 'docker'; describe: string},
): DockerAdapters {
	const pool = new DockerEndpointPool();
	const home = pool.adopt(docker, endpoint);
	// Every replica's host is resolved now: a context that cannot be read stops the start with its message.
	for (const replica of replicas) pool.get(replica.endpoint);
	const stats = createReplicaStatsSource(pool, replicas, {intervalMs: config.statsIntervalMs});
	const proxy = createDockerProxy(docker, {container: config.names.nginx, hostConfigPath: config.nginxConfig.host, containerConfigPath: config.nginxConfig.container});
	const hosts = pool.all().length;
	if (hosts > 1) runtime.describe = `Docker on ${hosts} hosts: ${pool.all().map((p) => p.describe).join(', ')}`;
	return {
		docker,
		pool,
		replicas,
		logs: createReplicaLogSource(pool, replicas, config.logs),
		stats,
		proxy,
		runtime,
		lifecycle: createReplicaLifecycleSource(pool, replicas),
		async services() {
			return withMountProblem(await replicaServices(pool, home, replicas, config.names.nginx, config.names.services), config.names.nginx, proxy);
		},
		async check() {
			const health = await pool.probe();
			const down = health.filter((h) => !h.reachable);
			if (!health[0]?.reachable) return {ok: false, message: health[0]?.message ?? `Docker at ${home.describe} unreachable`};
			const result = await checkDocker(docker, home.describe);
			if (!result.ok) return {ok: false, message: result.message};
			if (hosts === 1) runtime.describe = result.message;
			try {
				const here = replicas.filter((r) => r.container && pool.get(r.endpoint) === home).map((r) => r.container!);
				const missing = await suggestNames(docker, [...here, config.names.nginx]);
				if (missing) return {ok: false, message: missing};
			} catch (error) {
				return {ok: false, message: (error as Error).message};
			}
			// A host that does not answer is not fatal: its replicas are marked and the rest goes on.
			return {ok: true, message: down.length > 0 ? `${result.message}; ${down.map((h) => `${h.endpoint} unreachable: ${h.message}`).join('; ')}` : result.message};
		},
		close() {
			stats.close();
		},
	};
}
