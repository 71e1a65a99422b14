import {randomInt} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {LifecycleSource, LogSource, ProxyControl, RuntimeInfo, StatsSource} from '../core/types.ts';
import {MAX_SEED} from '../domain/seeded-random.ts';
import {createLabLifecycle} from './lab-lifecycle.ts';
import {DEFAULT_PORTS, startLab, type Lab, type LabOptions} from './lab.ts';
import {pickPorts} from './lab-process.ts';
import {labRoles, ONE_EACH, unitIds} from './lab-replicas.ts';
import type {RolesConfig} from '../domain/replicas.ts';
import {createLabContainers} from './lab-containers.ts';
import type {ContainerControl} from '../core/guide/containers.ts';
import {createLabRedis, findRedisServer, type LabRedis} from './lab-redis.ts';

// The lab takes a second or two to start (four processes). The screen should not wait for
// it: the ports are picked first, so the console knows every address at once and draws its
// first frame while the lab comes up behind it. Nothing calls these adapters before `ready`
// resolves (the Monitor starts then); until then they only describe themselves.

export interface LabBehind {
	ready: Promise<Lab>;
	urls: {balancer: string; stable: string; canary: string};
	roles: RolesConfig;
	upstream: string;
	dir: string;
	logs: LogSource;
	stats: StatsSource;
	lifecycle: LifecycleSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	/** The canary engine, the balancer and the lab's Redis, for the emergency actions. */
	containers: ContainerControl;
	/** The lab's redis-server (redis-canary's stand-in), null when none is installed. */
	redis: LabRedis | null;
	/** Known before the lab starts, so the first frame can name it. */
	seed: number;
	stop(): Promise<void>;
}

/**
 * `hold`: the lab's processes are spawned once it resolves (the screen passes its first frame:
 * Node processes starting on a 2-core machine made that frame four times slower).
 */
export async function startLabBehind(options: LabOptions & {hold?: Promise<unknown>; redis?: boolean} = {}): Promise<LabBehind> {
	const {hold, redis: wantRedis = true, ...labOptions} = options;
	const ownDir = labOptions.dir === undefined;
	const dir = labOptions.dir ?? (await mkdtemp(join(tmpdir(), 'canary-lab-')));
	// Redis's port first: the lab's own ports are picked last, just before its processes bind them.
	const redisServer = wantRedis ? findRedisServer() : null;
	const redis = redisServer ? createLabRedis(redisServer, (await pickPorts({redis: 0})).redis) : null;
	const counts = labOptions.replicas ?? ONE_EACH;
	const ids = unitIds(counts);
	const extra = ids.filter((unit) => unit.index > 0).map((unit) => unit.id);
	// One call for every port, so no two parts are handed the same free port.
	const picked: Record<string, number> = await pickPorts({...DEFAULT_PORTS, ...labOptions.ports, ...Object.fromEntries(extra.map((id) => [id, labOptions.replicaPorts?.[id] ?? 0]))});
	const ports = {stable: picked.stable!, canary: picked.canary!, balancer: picked.balancer!};
	const replicaPorts = Object.fromEntries(extra.map((id) => [id, picked[id]!]));
	const roles = labRoles(ids.map((unit) => ({...unit, port: unit.index > 0 ? replicaPorts[unit.id]! : ports[unit.role]})), counts);
	const upstream = labOptions.upstream ?? 'involution_engine';
	const seed = labOptions.seed ?? randomInt(0, MAX_SEED + 1);
	// Made here, so a watcher attached before the lab is up misses none of its events.
	const lifecycle = labOptions.lifecycle ?? createLabLifecycle();
	let lab: Lab | null = null;
	let release: () => void = () => {};
	const held = hold ? Promise.race([hold, new Promise<void>((resolve) => (release = resolve))]) : Promise.resolve();
	// A Redis that does not come up is shown as unreachable, as a dead redis-canary would be.
	const ready = held.then(() => Promise.all([startLab({...labOptions, dir, ports, replicaPorts, upstream, seed, lifecycle}), redis?.start().catch(() => {})])).then(([started]) => {
		lab = started;
		return started;
	});
	const started = (): Lab => {
		if (!lab) throw new Error('the lab is still starting');
		return lab;
	};
	const proxy: ProxyControl = {
		get describe() {
			return lab ? lab.proxy.describe : 'starting the lab balancer...';
		},
		get configPath() {
			return lab ? lab.proxy.configPath : dir;
		},
		readHost: () => started().proxy.readHost(),
		writeHost: (text) => started().proxy.writeHost(text),
		readSeen: () => started().proxy.readSeen(),
		validate: () => started().proxy.validate(),
		reload: () => started().proxy.reload(),
		restart: async () => {
			const restart = started().proxy.restart;
			return restart ? restart.call(started().proxy) : {ok: false, exitCode: null, output: 'this balancer cannot be restarted'};
		},
	};
	const runtime: RuntimeInfo = {
		kind: 'lab',
		get describe() {
			return lab ? lab.runtime.describe : `starting the lab (${ids.length} engines, a balancer, a load generator, seed ${seed})...`;
		},
	};
	return {
		ready,
		urls: {balancer: `http://127.0.0.1:${ports.balancer}`, stable: `http://127.0.0.1:${ports.stable}`, canary: `http://127.0.0.1:${ports.canary}`},
		roles,
		upstream,
		dir,
		logs: {follow: (engine, sink, signal) => started().logs.follow(engine, sink, signal)},
		stats: {read: (engine, signal) => started().stats.read(engine, signal), readReplica: (replica, signal) => started().stats.readReplica!(replica, signal)},
		lifecycle,
		proxy,
		runtime,
		containers: createLabContainers(() =>
			lab
				? {
						engineState: () => lab!.engineState('canary'),
						engineInfo: () => lab!.engineInfo('canary'),
						stopEngine: () => lab!.stopEngine('canary'),
						restartEngine: () => lab!.restartEngine('canary'),
						restartBalancer: proxy.restart,
						redis,
					}
				: null,
		),
		redis,
		seed,
		async stop() {
			// Stopped before the screen let it start: start it, so there is one way down.
			release();
			// A lab that failed to start has already cleaned up after itself.
			const running = await ready.catch(() => null);
			await Promise.all([running?.stop(), redis?.stop()]);
			if (ownDir) await rm(dir, {recursive: true, force: true});
		},
	};
}
