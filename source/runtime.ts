import {tmpdir} from 'node:os';
import {basename, join, resolve} from 'node:path';
import type {Config} from './config.ts';
import {openState} from './adapters/files/deployment-state.ts';
import {httpSplitSampler} from './adapters/split-sampler.ts';
import type {Monitor} from './core/monitor/monitor.ts';
import type {EngineRole, ProxyControl, RuntimeInfo} from './core/types.ts';
import type {BundleFile} from './core/automation/bundle.ts';

// The adapters behind a Monitor: the demo lab or a real Docker Engine. The CLI checks the
// flags; this file only puts the parts together.

export interface Runtime {
	monitor: Monitor;
	/** The proxy's config as it reads it (the incident bundle). */
	proxy?: ProxyControl;
	/** Files only this runtime can add to an incident bundle (Docker: inspect, nginx -T). */
	bundleExtras?: () => Promise<BundleFile[]>;
	shutdown: () => Promise<void>;
	/** Resolves when the monitor may start (the lab is up); the screen draws before that. */
	ready?: Promise<unknown>;
	/** Emergency actions, Redis, A/B probes: the guide beyond the weights. */
	guide: import('./core/guide/guide-parts.ts').GuideParts;
}

export interface RuntimeOptions {
	analysisTimer?: boolean;
	/** The lab's processes are spawned once this resolves (the screen's first frame). */
	hold?: Promise<unknown>;
}

/** The demo's flags, already checked. */
export interface LabFlags {
	balancer: 'auto' | 'nginx' | 'lab';
	/** Background log lines per second, both engines together. */
	logRate: number;
	rps?: number;
	ports?: {balancer: number; stable: number; canary: number};
	/** Ports of the replicas beyond the first of each role (`--lab-ports` with `--replicas`). */
	replicaPorts?: Record<string, number>;
	audit?: string;
	/** The lab's randomness seed; drawn when absent. */
	seed?: number;
	/** Merged over the lab's defaults (the canary's mild fault). */
	canaryFaults?: Partial<import('./lab/faults.ts').Faults>;
	stableFaults?: Partial<import('./lab/faults.ts').Faults>;
	/** The engines' memory limit in bytes. */
	memLimit?: number;
	/** Engine replicas per role (`--replicas 3,2`); one each when absent. */
	replicas?: import('./lab/lab-replicas.ts').ReplicaCounts;
	/** The replica (C2, ...) that alone gets its role's faults (`--fault-replica`). */
	faultReplica?: string;
	/** false: no Redis in the lab even when redis-server is installed (default: one when installed). */
	redis?: boolean;
}

/** Prometheus' query API when the config names one: every metric check is a PromQL query then. */
async function prometheusFor(config: Config) {
	if (!config.metrics?.prometheus.url) return undefined;
	const {createPrometheusClient} = await import('./adapters/prometheus-api.ts');
	return createPrometheusClient(config.metrics.prometheus);
}

/** The header's runtime line says where the figures come from when it is Prometheus. */
function withMetricsSource(runtime: RuntimeInfo, prometheus: {describe: string} | undefined): RuntimeInfo {
	if (!prometheus) return runtime;
	// A getter: the lab's own line changes once the lab is up.
	return {
		kind: runtime.kind,
		get describe() {
			return `${runtime.describe}; metrics from ${prometheus.describe}`;
		},
	};
}

export async function startDemoRuntime(config: Config, flags: LabFlags, options: RuntimeOptions = {}): Promise<Runtime> {
	const [{startLabBehind}, {Monitor}, {createHttpProbe}, {MILD_CANARY_FAULT}, {createGuideParts}, {replicaFaultPlan}] = await Promise.all([
		import('./lab/lab-behind.ts'),
		import('./core/monitor/monitor.ts'),
		import('./adapters/http-probe.ts'),
		import('./lab/faults.ts'),
		import('./core/guide/guide-parts.ts'),
		import('./lab/lab-replicas.ts'),
	]);
	const counts = flags.replicas ?? {stable: 1, canary: 1};
	const perEngine = flags.logRate / (counts.stable + counts.canary);
	const rate = perEngine > 0 ? {logRate: perEngine} : {};
	const plan = replicaFaultPlan({stable: {...flags.stableFaults, ...rate}, canary: {...MILD_CANARY_FAULT, ...flags.canaryFaults, ...rate}}, flags.faultReplica, rate);
	const lab = await startLabBehind({
		hold: options.hold,
		balancer: flags.balancer,
		ports: flags.ports,
		rps: flags.rps,
		seed: flags.seed,
		memLimit: flags.memLimit,
		redis: flags.redis,
		replicas: flags.replicas,
		replicaPorts: flags.replicaPorts,
		stableFaults: plan.roleFaults.stable,
		canaryFaults: plan.roleFaults.canary,
		replicaFaults: plan.replicaFaults,
	});
	// The demo's state stays in a temp dir of its own unless configured: not beside the lab's
	// config, and not inside the lab's dir, which goes at exit with the logs saved there.
	// Created only when something is written.
	const stateDir = config.stateDir ? resolve(config.stateDir) : join(tmpdir(), 'canary-console-demo', basename(lab.dir));
	const auditPath = flags.audit ?? config.auditPath;
	const labConfig: Config = {
		...config,
		urls: lab.urls,
		roles: lab.roles,
		upstream: lab.upstream,
		stateDir,
		auditPath: auditPath ? resolve(auditPath) : join(stateDir, 'audit.jsonl'),
	};
	const prometheus = await prometheusFor(labConfig);
	const monitor = new Monitor({
		config: labConfig,
		http: createHttpProbe(),
		logs: lab.logs,
		stats: lab.stats,
		proxy: lab.proxy,
		runtime: withMetricsSource(lab.runtime, prometheus),
		lifecycle: lab.lifecycle,
		analysisTimer: options.analysisTimer,
		openState,
		splitSampler: httpSplitSampler,
		prometheus,
	});
	const {createRedisSource} = await import('./adapters/redis.ts');
	const guide = createGuideParts(monitor, lab.proxy, lab.containers, {
		redis: lab.redis ? {source: createRedisSource({url: lab.redis.url}), name: 'redis-canary (lab)'} : {note: 'no Redis in the lab (install redis-server to add one)'},
	});
	return {monitor, guide, proxy: lab.proxy, bundleExtras: async () => guide.probes.bundleFiles(), shutdown: () => lab.stop(), ready: lab.ready};
}

export async function startDockerRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
	const [{openDockerDeployment}, {Monitor}, {createHttpProbe}, {createGuideParts}, {createDockerContainers}] = await Promise.all([
		import('./adapters/docker/deployment.ts'),
		import('./core/monitor/monitor.ts'),
		import('./adapters/http-probe.ts'),
		import('./core/guide/guide-parts.ts'),
		import('./adapters/docker/containers.ts'),
	]);
	const deployment = await openDockerDeployment(config);
	const {adapters: docker, config: dockerConfig} = deployment;
	const check = await docker.check();
	// One object for the life of the console, refilled in place when an engine starts again.
	const aliases: Record<string, EngineRole> = {};
	await deployment.refreshAliases(aliases).catch(() => {});
	const prometheus = await prometheusFor(dockerConfig);
	const monitor = new Monitor({
		config: dockerConfig,
		http: createHttpProbe(),
		logs: docker.logs,
		stats: docker.stats,
		proxy: docker.proxy,
		runtime: withMetricsSource(docker.runtime, prometheus),
		aliases,
		lifecycle: docker.lifecycle,
		services: () => docker.services(),
		analysisTimer: options.analysisTimer,
		openState,
		splitSampler: httpSplitSampler,
		prometheus,
	});
	// A recreated engine comes back with a new address: nginx's X-Upstream then names that one.
	const stop = new AbortController();
	docker.lifecycle.watch((event) => {
		if (event.kind === 'start') void deployment.refreshAliases(aliases).catch(() => {});
	}, stop.signal);
	if (deployment.found) monitor.notice('info', deployment.found);
	// The console keeps running when Docker is down or a name is wrong: it says so and retries.
	if (!check.ok) monitor.notice('error', /socket|daemon|refused|permission/i.test(check.message) ? `Docker unreachable: ${check.message}` : check.message);
	const {names} = dockerConfig.docker;
	const targets = {canary: names.canary, nginx: names.nginx, redis: names.redis};
	// Replicas listed: "the canary" is every canary replica, each on its own Docker host.
	const containers =
		docker.pool && docker.replicas
			? (await import('./adapters/docker/replica-containers.ts')).createReplicaContainers(docker.pool, docker.docker, docker.replicas, targets)
			: createDockerContainers(docker.docker, targets);
	// A deployment without the Redis container is not failed for it: it is not watched, and the panel says so.
	const {createRedisSource} = await import('./adapters/redis.ts');
	const {dockerExec} = await import('./adapters/docker/exec.ts');
	const redisSource = createRedisSource({url: dockerConfig.redis.url, container: names.redis, exec: (argv) => dockerExec(docker.docker, names.redis, argv, {timeoutMs: 2000})});
	const redisFound = (await containers.state('redis')) !== 'missing';
	const guide = createGuideParts(monitor, docker.proxy, containers, {redis: redisFound ? {source: redisSource, name: names.redis} : {note: `no ${names.redis} container: Redis not watched`}});
	return {
		monitor,
		guide,
		proxy: docker.proxy,
		bundleExtras: async () => {
			const names = dockerConfig.docker.names;
			const {dockerBundleExtras, replicaBundleFiles} = await import('./adapters/docker/bundle-extras.ts');
			// Replicas listed: those on the console's host are inspected with the services, the others on their own host.
			const home = docker.pool?.get(undefined);
			const listed = docker.replicas ?? [];
			const here = listed.filter((r) => r.container && docker.pool?.get(r.endpoint) === home).map((r) => r.container!);
			const elsewhere = (docker.pool?.all() ?? [])
				.filter((p) => p !== home)
				.map((p) => ({docker: p.docker, describe: p.describe, containers: listed.filter((r) => r.container && docker.pool!.get(r.endpoint) === p).map((r) => r.container!)}));
			const services = docker.replicas ? [...here, names.nginx, ...names.services] : [names.stable, names.canary, names.nginx, ...names.services];
			return [...(await dockerBundleExtras(docker.docker, services, names.nginx)), ...(await replicaBundleFiles(elsewhere)), ...guide.probes.bundleFiles()];
		},
		shutdown: async () => {
			stop.abort();
			docker.close();
		},
	};
}
