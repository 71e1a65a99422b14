import Docker from 'dockerode';
import {clockTime, describeDockerError, dockerContextByName, type DockerEndpoint, dockerEndpointFromEnv} from './connect.ts';

// Several Docker hosts at once: every replica names the Docker endpoint it runs on (a context
// name or a URL, or nothing for the console's own DOCKER_HOST/context); each distinct endpoint
// gets one client, and the pool keeps whether each is reachable, and since when.

/** True when the spec is an endpoint URL (or a bare socket path) rather than a context name. */
export function isEndpointUrl(spec: string): boolean {
	return spec.includes('://') || spec.startsWith('/');
}

/**
 * The endpoint a replica's `docker` setting names: undefined or '' is the console's default
 * (DOCKER_HOST, else the CLI's current context); `unix://`, `tcp://` (TLS from DOCKER_TLS_VERIFY
 * and DOCKER_CERT_PATH, or port 2376) and `ssh://` URLs are read as DOCKER_HOST would be; any
 * other word is a context in the CLI's store, with its own TLS material. Throws a
 * DockerEndpointError that says what to fix.
 */
export function resolveDockerEndpoint(spec: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
	const wanted = spec?.trim();
	if (!wanted) return dockerEndpointFromEnv(env);
	if (isEndpointUrl(wanted)) return dockerEndpointFromEnv({...env, DOCKER_HOST: wanted});
	// "default" is the CLI's own name for DOCKER_HOST, else the default socket.
	if (wanted === 'default') return dockerEndpointFromEnv({...env, DOCKER_CONTEXT: 'default'});
	const context = dockerContextByName(wanted, env, 'the replica config');
	// The context's TLS material only: the console's own DOCKER_TLS_VERIFY/DOCKER_CERT_PATH belong to its default endpoint.
	const {DOCKER_TLS_VERIFY: _verify, DOCKER_CERT_PATH: _certs, ...rest} = env;
	const endpoint = dockerEndpointFromEnv({...rest, DOCKER_HOST: context.host, ...context.tls});
	return {...endpoint, describe: `${endpoint.describe} (context ${context.name})`};
}

/** Where a client really connects: two specs naming the same daemon share one connection. */
export function endpointKey(endpoint: DockerEndpoint): string {
	const o = endpoint.options as {socketPath?: string; host?: string; port?: string | number; protocol?: string; username?: string};
	if (o.socketPath) return `unix://${o.socketPath}`;
	return `${o.protocol ?? 'http'}://${o.username ? `${o.username}@` : ''}${o.host}:${o.port ?? ''}`;
}

export interface HostHealth {
	/** The endpoint as the user reads it, e.g. "unix:///run/b/docker.sock (context b)". */
	endpoint: string;
	reachable: boolean;
	/** When it became unreachable (ms since epoch); null while reachable. */
	since: number | null;
	/** Why, in one sentence (describeDockerError); null while reachable. */
	message: string | null;
}

export interface PooledEndpoint {
	key: string;
	docker: Docker;
	/** For messages. */
	describe: string;
	health: HostHealth;
}

export interface EndpointPoolOptions {
	env?: NodeJS.ProcessEnv;
	/** Builds the client for an endpoint (tests hand in fakes). */
	connect?: (endpoint: DockerEndpoint) => Docker;
	now?: () => number;
}

/** One Docker client per distinct endpoint, each with its reachability. */
export class DockerEndpointPool {
	private readonly byKey = new Map<string, PooledEndpoint>();
	private readonly bySpec = new Map<string, PooledEndpoint>();
	private readonly env: NodeJS.ProcessEnv;
	private readonly connect: (endpoint: DockerEndpoint) => Docker;
	private readonly now: () => number;
	private readonly downListeners = new Set<(pooled: PooledEndpoint) => void>();

	constructor(options: EndpointPoolOptions = {}) {
		this.env = options.env ?? process.env;
		this.connect = options.connect ?? ((endpoint) => new Docker(endpoint.options));
		this.now = options.now ?? Date.now;
	}

	/** Adds a client built elsewhere as the default endpoint (spec undefined). */
	adopt(docker: Docker, endpoint: DockerEndpoint): PooledEndpoint {
		const key = endpointKey(endpoint);
		const pooled = this.byKey.get(key) ?? {key, docker, describe: endpoint.describe, health: {endpoint: endpoint.describe, reachable: true, since: null, message: null}};
		this.byKey.set(key, pooled);
		this.bySpec.set('', pooled);
		return pooled;
	}

	/** The client for a replica's `docker` setting; the same object for specs that name one daemon. Throws a DockerEndpointError. */
	get(spec?: string): PooledEndpoint {
		const wanted = spec?.trim() ?? '';
		const known = this.bySpec.get(wanted);
		if (known) return known;
		const endpoint = resolveDockerEndpoint(wanted, this.env);
		const key = endpointKey(endpoint);
		let pooled = this.byKey.get(key);
		if (!pooled) {
			pooled = {key, docker: this.connect(endpoint), describe: endpoint.describe, health: {endpoint: endpoint.describe, reachable: true, since: null, message: null}};
			this.byKey.set(key, pooled);
		}
		this.bySpec.set(wanted, pooled);
		return pooled;
	}

	all(): PooledEndpoint[] {
		return [...this.byKey.values()];
	}

	/** Records a failed call: the first one marks the host unreachable from now (and tells the listeners). */
	markUnreachable(pooled: PooledEndpoint, error: unknown): void {
		pooled.health.message = describeDockerError(error, pooled.describe);
		if (pooled.health.reachable) {
			pooled.health.reachable = false;
			pooled.health.since = this.now();
			for (const listener of this.downListeners) listener(pooled);
		}
	}

	/**
	 * Hears each host that stops answering. A host that drops packets (rather than refusing)
	 * leaves its open streams (logs, events) silent forever: their owners close them here, and
	 * their loops reattach once the host answers again.
	 */
	onUnreachable(listener: (pooled: PooledEndpoint) => void): () => void {
		this.downListeners.add(listener);
		return () => this.downListeners.delete(listener);
	}

	markReachable(pooled: PooledEndpoint): void {
		pooled.health.reachable = true;
		pooled.health.since = null;
		pooled.health.message = null;
	}

	/** Pings every endpoint once (in parallel) and records the outcome; never throws. */
	async probe(timeoutMs = 3000): Promise<HostHealth[]> {
		await Promise.all(
			this.all().map(async (pooled) => {
				try {
					await withTimeout(pooled.docker.ping(), timeoutMs, pooled.describe);
					this.markReachable(pooled);
				} catch (error) {
					this.markUnreachable(pooled, error);
				}
			}),
		);
		return this.health();
	}

	health(): HostHealth[] {
		return this.all().map((p) => ({...p.health}));
	}
}

/** "Docker host unix:///run/b/docker.sock unreachable since 12:01:03: <why>" */
export function describeHostDown(health: HostHealth): string {
	return `Docker host ${health.endpoint} unreachable${health.since === null ? '' : ` since ${clockTime(health.since)}`}${health.message ? `: ${health.message}` : ''}`;
}

/** Rejects with an ETIMEDOUT error when `promise` has not settled in `ms` (a host that drops packets never refuses). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(Object.assign(new Error(`no answer from ${what} in ${ms} ms`), {code: 'ETIMEDOUT'})), ms);
		timer.unref?.();
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}
