import type {EngineRole, LifecycleSource, ResourceReading} from '../../core/types.ts';
import {describeDockerError, isUnreachable} from './connect.ts';
import {type DockerEndpointPool, describeHostDown, type PooledEndpoint, withTimeout} from './endpoints.ts';
import {deploymentNames, inspectServices, type ServiceState} from './inspect.ts';
import {createDockerLifecycleSource} from './lifecycle.ts';
import type {DockerReplica} from './replica-logs.ts';
import {createDockerStatsSource, type DockerStatsSource} from './stats.ts';
import {combineReplicaReadings} from '../../core/monitor/replica-resources.ts';

export {combineReplicaReadings};

// Replicas on several Docker hosts: stats per replica, lifecycle events and the services strip
// per host. A host that cannot be reached is marked (which host, since when) and the rest goes on.

/** The replicas that name a container, grouped by the host they run on (default host first). */
export function byHost(pool: DockerEndpointPool, replicas: readonly DockerReplica[]): Array<{endpoint: PooledEndpoint; replicas: DockerReplica[]}> {
	const groups = new Map<string, {endpoint: PooledEndpoint; replicas: DockerReplica[]}>();
	for (const replica of replicas) {
		if (!replica.container) continue;
		const endpoint = pool.get(replica.endpoint);
		const group = groups.get(endpoint.key) ?? {endpoint, replicas: []};
		group.replicas.push(replica);
		groups.set(endpoint.key, group);
	}
	return [...groups.values()];
}

export interface ReplicaStatsSource extends DockerStatsSource {
	/** One replica's reading (memory and restarts are per replica); rejects when its host is unreachable. */
	readReplica(id: string, signal?: AbortSignal): Promise<ResourceReading>;
}

/** Background stats per replica on its own host; a role's read() combines the replicas that answer. */
export function createReplicaStatsSource(pool: DockerEndpointPool, replicas: readonly DockerReplica[], options: {intervalMs?: number; idleMs?: number} = {}): ReplicaStatsSource {
	const sources = new Map<string, {replica: DockerReplica; stats: DockerStatsSource}>();
	for (const replica of replicas) {
		if (!replica.container) continue;
		const names = {stable: replica.container, canary: replica.container};
		sources.set(replica.id, {replica, stats: createDockerStatsSource(pool.get(replica.endpoint).docker, names, options)});
	}
	const readReplica = (id: string, signal?: AbortSignal) => {
		const source = sources.get(id);
		if (!source) return Promise.reject(new Error(`replica ${id} names no container`));
		return source.stats.read(source.replica.role, signal);
	};
	return {
		readReplica,
		async read(engine: EngineRole, signal?: AbortSignal) {
			const ids = [...sources.values()].filter((s) => s.replica.role === engine).map((s) => s.replica.id);
			const settled = await Promise.allSettled(ids.map((id) => readReplica(id, signal)));
			const readings = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
			if (readings.length > 0) return combineReplicaReadings(readings);
			const failed = settled.find((s) => s.status === 'rejected');
			throw failed ? (failed as PromiseRejectedResult).reason : new Error(`no ${engine} replica names a container`);
		},
		stale(engine: EngineRole) {
			for (const source of sources.values()) if (source.replica.role === engine) source.stats.stale?.(engine);
		},
		close() {
			for (const source of sources.values()) source.stats.close();
		},
	};
}

/** Docker events from every host; each host's stream reconnects by itself. */
export function createReplicaLifecycleSource(pool: DockerEndpointPool, replicas: readonly DockerReplica[]): LifecycleSource {
	const sources = byHost(pool, replicas).map(({endpoint, replicas: here}) =>
		createDockerLifecycleSource(endpoint.docker, {
			stable: here.filter((r) => r.role === 'stable').map((r) => r.container!),
			canary: here.filter((r) => r.role === 'canary').map((r) => r.container!),
		}),
	);
	return {
		watch(sink, signal) {
			for (const source of sources) source.watch(sink, signal);
		},
	};
}

/** A container on a host that does not answer: shown with the host and since when. */
export interface HostServiceState extends ServiceState {
	/** The Docker host, when the deployment spans several. */
	host?: string;
	/** Set while the host is unreachable: since when (ms since epoch) and why. */
	hostDown?: {since: number; message: string};
}

function unknownService(name: string, endpoint: PooledEndpoint): HostServiceState {
	return {
		name,
		found: true,
		state: 'unreachable',
		health: 'none',
		restarts: 0,
		image: null,
		startedAt: null,
		exitCode: null,
		mounts: [],
		host: endpoint.describe,
		hostDown: {since: endpoint.health.since ?? Date.now(), message: describeHostDown(endpoint.health)},
	};
}

/**
 * The services strip across hosts: on the default host the deployment as today (nginx, the
 * replicas there, what shares nginx's project or networks, the configured extras); on each other
 * host its replicas' containers. A host that does not answer marks its containers unreachable
 * (with since when) and the others are shown as they are; it throws only when no host answers.
 */
export async function replicaServices(pool: DockerEndpointPool, defaultEndpoint: PooledEndpoint, replicas: readonly DockerReplica[], nginx: string, extra: string[], timeoutMs = 5000): Promise<HostServiceState[]> {
	const groups = byHost(pool, replicas);
	if (!groups.some((g) => g.endpoint === defaultEndpoint)) groups.unshift({endpoint: defaultEndpoint, replicas: []});
	else groups.sort((a, b) => (a.endpoint === defaultEndpoint ? -1 : b.endpoint === defaultEndpoint ? 1 : 0));
	const several = groups.length > 1;
	const results = await Promise.all(
		groups.map(async ({endpoint, replicas: here}) => {
			const containers = here.map((r) => r.container!);
			const isDefault = endpoint === defaultEndpoint;
			try {
				// Bounded: a host that drops packets must not hold up the strip of the others.
				const services: HostServiceState[] = await withTimeout(
					(async () => inspectServices(endpoint.docker, isDefault ? await deploymentNames(endpoint.docker, [...containers, nginx], nginx, extra) : containers))(),
					timeoutMs,
					endpoint.describe,
				);
				pool.markReachable(endpoint);
				return {ok: true, services: several ? services.map((s) => ({...s, host: endpoint.describe})) : services};
			} catch (error) {
				if (!isUnreachable(error)) throw new Error(describeDockerError(error, endpoint.describe));
				pool.markUnreachable(endpoint, error);
				const names = isDefault ? [...containers, nginx] : containers;
				return {ok: false, services: names.map((name) => unknownService(name, endpoint)), error};
			}
		}),
	);
	if (!results.some((r) => r.ok)) throw new Error(describeDockerError(results[0]!.error, groups[0]!.endpoint.describe));
	return results.flatMap((r) => r.services);
}
