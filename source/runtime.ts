import {tmpdir} from 'node:os';
import {basename, join, resolve} from 'node:path';
import type {Config} from './config.ts';
import type {Monitor} from './core/monitor.ts';

// The adapters behind a Monitor: the demo lab or a real Docker Engine. The CLI checks the
// flags; this file only puts the parts together.

export interface Runtime {
	monitor: Monitor;
	shutdown: () => Promise<void>;
	/** Resolves when the monitor may start (the lab is up); the screen draws before that. */
	ready?: Promise<unknown>;
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
	audit?: string;
}

export async function startDemoRuntime(config: Config, flags: LabFlags, options: RuntimeOptions = {}): Promise<Runtime> {
	const [{startLabBehind}, {Monitor}, {createHttpProbe}, {MILD_CANARY_FAULT}] = await Promise.all([
		import('./lab/lab-behind.ts'),
		import('./core/monitor.ts'),
		import('./adapters/http-probe.ts'),
		import('./lab/faults.ts'),
	]);
	const perEngine = flags.logRate / 2;
	const lab = await startLabBehind({
		hold: options.hold,
		balancer: flags.balancer,
		ports: flags.ports,
		rps: flags.rps,
		stableFaults: perEngine > 0 ? {logRate: perEngine} : undefined,
		canaryFaults: perEngine > 0 ? {...MILD_CANARY_FAULT, logRate: perEngine} : undefined,
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
	const monitor = new Monitor({
		config: labConfig,
		http: createHttpProbe(),
		logs: lab.logs,
		stats: lab.stats,
		proxy: lab.proxy,
		runtime: lab.runtime,
		analysisTimer: options.analysisTimer,
	});
	return {monitor, shutdown: () => lab.stop(), ready: lab.ready};
}

export async function startDockerRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
	const [{createDockerAdapters}, {Monitor}, {createHttpProbe}] = await Promise.all([
		import('./adapters/docker/index.ts'),
		import('./core/monitor.ts'),
		import('./adapters/http-probe.ts'),
	]);
	const docker = createDockerAdapters({names: config.docker.names, nginxConfig: config.docker.nginxConfig});
	const check = await docker.check();
	const aliases = await engineAliases(docker.docker, config).catch(() => undefined);
	const monitor = new Monitor({
		config,
		http: createHttpProbe(),
		logs: docker.logs,
		stats: docker.stats,
		proxy: docker.proxy,
		runtime: docker.runtime,
		aliases,
		services: () => docker.services(),
		analysisTimer: options.analysisTimer,
	});
	// The console keeps running when Docker is down or a name is wrong: it says so and retries.
	if (!check.ok) monitor.notice('error', /socket|daemon|refused|permission/i.test(check.message) ? `Docker unreachable: ${check.message}` : check.message);
	return {monitor, shutdown: async () => docker.close()};
}

/** nginx reports the address it connected to (the container's IP), not the name in the config. */
async function engineAliases(docker: import('dockerode'), config: Config): Promise<Record<string, 'stable' | 'canary'>> {
	const aliases: Record<string, 'stable' | 'canary'> = {};
	for (const role of ['stable', 'canary'] as const) {
		const port = config.roles[role].split(':').at(-1) ?? '8080';
		const info = await docker.getContainer(config.docker.names[role]).inspect();
		for (const network of Object.values(info.NetworkSettings.Networks ?? {})) {
			if (network.IPAddress) aliases[`${network.IPAddress}:${port}`] = role;
		}
	}
	return aliases;
}
