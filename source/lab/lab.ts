// The demo lab: two engine processes, a balancer (real nginx when installed, else the lab
// balancer reading the same config), and a load generator, exposed through the same seams the
// console uses for Docker (LogSource, StatsSource, ProxyControl).

import type {ChildProcess} from 'node:child_process';
import {randomInt} from 'node:crypto';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {EngineRole, LifecycleSource, LogSource, ProxyControl, RuntimeInfo, StatsSource} from '../core/types.ts';
import {deriveSeed, MAX_SEED} from '../domain/seeded-random.ts';
import {findNginx, startLocalNginx} from '../adapters/nginx-local.ts';
import {MILD_CANARY_FAULT, type Faults} from './faults.ts';
import {renderLabConfig} from './lab-config.ts';
import {createEngineSupervisor} from './engine-supervisor.ts';
import {createLabLifecycle, type LabLifecycle} from './lab-lifecycle.ts';
import {createLabLogs} from './lab-logs.ts';
import {hasExited, pickPorts, spawnLabChild, stopChild} from './lab-process.ts';
import {createLabProxy} from './lab-proxy.ts';
import {createLabStats, LAB_MEM_LIMIT} from './lab-stats.ts';
import {isSinglePair, labReplicaStats, labRoles, ONE_EACH, unitIds, unitName, type LabUnit, type ReplicaCounts} from './lab-replicas.ts';
import {serversOf, type RolesConfig} from '../domain/replicas.ts';
import type {LabChildMessage, LoadRequest} from './run.ts';
import type {LoadStats} from './load.ts';

export interface LabOptions {
	/** Where the balancer config lives; a temp dir (removed at stop) when absent. */
	dir?: string;
	/** 0 picks a free port; absent tries 9101/9102/9100 and falls back to a free one. */
	ports?: {stable?: number; canary?: number; balancer?: number};
	rps?: number;
	stableFaults?: Partial<Faults>;
	canaryFaults?: Partial<Faults>;
	versions?: {stable: string; canary: string};
	balancer?: 'auto' | 'nginx' | 'lab';
	split?: {stable: number; canary: number};
	upstream?: string;
	/**
	 * An engine's memory limit in bytes (like a container's --memory): the stats report against
	 * it, and an engine whose resident size reaches it is killed as an OOM kill (exit 137).
	 */
	memLimit?: number;
	/** Restart an engine that exits by itself (as Docker's restart policy does); default true. */
	autoRestart?: boolean;
	/** Delay before that restart, default 1000 ms (Docker's is about a second). */
	restartDelayMs?: number;
	/**
	 * Seed of every random draw in the lab's processes (latency, errors, log lines, the load's
	 * request mix): the same seed replays the same draws. Random when absent.
	 */
	seed?: number;
	/** Engines per role (default one each): `demo --replicas 3,2` starts five. */
	replicas?: ReplicaCounts;
	/** Faults of single replicas by label (C2, ...), merged over their role's faults. */
	replicaFaults?: Record<string, Partial<Faults>>;
	/** Ports of the replicas beyond the first of each role, by label; a free one when absent. */
	replicaPorts?: Record<string, number>;
	/** Where the supervisor reports start/die/oom; a new one when absent (the lab behind the screen passes its own, so watchers can attach before the lab is up). */
	lifecycle?: LabLifecycle;
}

export interface Lab {
	urls: {balancer: string; stable: string; canary: string};
	/** One address per role, or (with replicas) the replica lists as the config writes them. */
	roles: RolesConfig;
	/** Each replica's label, role and address. */
	replicas: {id: string; role: EngineRole; server: string}[];
	upstream: string;
	balancerKind: 'nginx' | 'lab';
	logs: LogSource;
	stats: StatsSource;
	/** Start, die (with the exit code) and oom events of the engine processes, from the supervisor. */
	lifecycle: LifecycleSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	/** The seed this lab runs with (given, or drawn at start): pass it back to replay the run. */
	seed: number;
	/** Faults of every replica of a role. */
	setFaults(engine: EngineRole, faults: Partial<Faults>): Promise<void>;
	/** Faults of one replica (S1, C2, ...). */
	setReplicaFaults(replica: string, faults: Partial<Faults>): Promise<void>;
	restartEngine(engine: EngineRole): Promise<void>;
	/** As `docker stop`: the engine stays stopped (no restart policy applies). */
	stopEngine(engine: EngineRole): Promise<void>;
	engineState(engine: EngineRole): 'running' | 'restarting' | 'exited';
	engineInfo(engine: EngineRole): {exitCode: number | null; oomKilled: boolean; restarts: number; startedAt: number | null};
	/** The load generator, a child process of its own: its numbers and its rate. */
	load: LabLoad;
	pids(): number[];
	stop(): Promise<void>;
}

export interface LabLoad {
	stats(): Promise<LoadStats>;
	setRate(rps: number): Promise<void>;
}

/** Asks the `lab load` child over IPC. */
function labLoad(child: ChildProcess): LabLoad {
	let next = 0;
	const ask = (request: LoadRequest) =>
		new Promise<LabChildMessage>((resolve, reject) => {
			const onMessage = (message: LabChildMessage) => {
				if (!message || !('id' in message) || message.id !== request.id) return;
				clearTimeout(timer);
				child.off('message', onMessage);
				resolve(message);
			};
			const timer = setTimeout(() => {
				child.off('message', onMessage);
				reject(new Error('the lab load generator did not answer within 5 s'));
			}, 5000);
			child.on('message', onMessage);
			child.send(request);
		});
	return {
		async stats() {
			const answer = await ask({type: 'load-stats', id: ++next});
			if (answer.type !== 'load-stats') throw new Error(`unexpected answer ${answer.type}`);
			return answer.stats;
		},
		async setRate(rps) {
			await ask({type: 'load-rate', id: ++next, rps});
		},
	};
}

export const DEFAULT_PORTS = {stable: 9101, canary: 9102, balancer: 9100};

export async function startLab(options: LabOptions = {}): Promise<Lab> {
	const upstream = options.upstream ?? 'involution_engine';
	const versions = options.versions ?? {stable: '1.1.0', canary: '1.2.0'};
	const split = options.split ?? {stable: 90, canary: 10};
	const autoRestart = options.autoRestart ?? true;
	const ownDir = options.dir === undefined;
	const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'canary-lab-')));
	const logs = createLabLogs();
	const lifecycle = options.lifecycle ?? createLabLifecycle();
	const memLimit = options.memLimit ?? LAB_MEM_LIMIT;
	const seed = options.seed ?? randomInt(0, MAX_SEED + 1);
	const counts = options.replicas ?? ONE_EACH;
	const roleFaults: Record<EngineRole, Partial<Faults>> = {stable: options.stableFaults ?? {}, canary: options.canaryFaults ?? MILD_CANARY_FAULT};
	let stopped = false;
	const cleanups: Array<() => Promise<void>> = [];
	const units: LabUnit[] = unitIds(counts).map(({id, role, index}) => {
		const unit = {id, role, index, name: unitName(role, index, counts), port: 0, version: versions[role], faults: {...roleFaults[role], ...options.replicaFaults?.[id]}} as LabUnit;
		// One replica per role keeps today's seed streams (engine-stable#0 ...): a seed replays as before.
		const stream = isSinglePair(counts) ? `engine-${role}` : `engine-${role}-${index + 1}`;
		unit.supervisor = createEngineSupervisor({
			engine: role,
			...(isSinglePair(counts) ? {} : {replica: id, name: unit.name}),
			logs,
			emit: (event) => lifecycle.emit(event),
			memLimit,
			autoRestart,
			restartDelayMs: options.restartDelayMs,
			// Each start draws its own stream, so a restarted engine does not repeat its first draws.
			args: (start) => [
				'engine', '--port', String(unit.port), '--version', unit.version, '--faults', JSON.stringify(unit.faults),
				'--seed', String(deriveSeed(seed, `${stream}#${start}`)), '--memory-cap-mb', String(Math.ceil(memLimit / (1024 * 1024))),
			],
			// A crash is a one-shot event: the restarted engine keeps the other faults (a crash loop too).
			onCrashRestart: () => {
				unit.faults = {...unit.faults, crashAfterMs: null};
			},
		});
		unit.stats = createLabStats(() => unit.supervisor.info(), {memLimit});
		return unit;
	});
	const of = (role: EngineRole) => units.filter((unit) => unit.role === role);

	async function stopEngines(): Promise<void> {
		await Promise.all(units.map((unit) => unit.supervisor.stop()));
	}

	async function startBalancerPart(
		useNginx: boolean,
		configText: string,
		roles: RolesConfig,
		balancerPort: number,
	): Promise<{proxy: ProxyControl; balancerPid: () => number | null; balancerDescribe: string}> {
		if (useNginx) {
			const nginx = await startLocalNginx({dir: join(dir, 'nginx'), configText});
			cleanups.push(() => nginx.stop());
			return {proxy: nginx.proxy, balancerPid: () => nginx.pid, balancerDescribe: `nginx ${nginx.version}`};
		} else {
			const configPath = join(dir, 'canary.conf');
			await writeFile(configPath, configText);
			const args = ['balancer', '--config', configPath, '--upstream', upstream, '--stable', serversOf(roles, 'stable')[0]!, '--canary', serversOf(roles, 'canary')[0]!, '--port', String(balancerPort)];
			let balancer = await spawnLabChild(args);
			cleanups.push(() => stopChild(balancer.child));
			// SIGHUP makes the balancer re-read the file (as `nginx -s reload` signals nginx);
			// it answers with one 'reloaded' message per signal.
			const reload = () =>
				new Promise<{ok: boolean; message: string}>((resolve) => {
					const child = balancer.child;
					if (hasExited(child)) return resolve({ok: false, message: 'lab balancer is not running'});
					const timer = setTimeout(() => finish({ok: false, message: 'lab balancer did not answer the reload within 5 s'}), 5000);
					const onMessage = (message: LabChildMessage) => {
						if (message?.type === 'reloaded') finish({ok: message.ok, message: message.message});
					};
					const finish = (result: {ok: boolean; message: string}) => {
						clearTimeout(timer);
						child.off('message', onMessage);
						resolve(result);
					};
					child.on('message', onMessage);
					child.kill('SIGHUP');
				});
			const restart = async () => {
				await stopChild(balancer.child);
				try {
					balancer = await spawnLabChild(args);
					return {ok: true, message: 'lab balancer restarted'};
				} catch (error) {
					return {ok: false, message: (error as Error).message};
				}
			};
			return {
				proxy: createLabProxy({configPath, upstream, roles, reload, restart}),
				balancerPid: () => (hasExited(balancer.child) ? null : (balancer.child.pid ?? null)),
				balancerDescribe: 'lab balancer',
			};
		}
	}

	try {
		// One call for every port, so no two parts are handed the same free port.
		const extra = Object.fromEntries(units.filter((unit) => unit.index > 0).map((unit) => [unit.id, options.replicaPorts?.[unit.id] ?? 0]));
		const ports: Record<string, number> = await pickPorts({...DEFAULT_PORTS, ...options.ports, ...extra});
		for (const unit of units) unit.port = unit.index > 0 ? ports[unit.id]! : ports[unit.role]!;
		const balancerPort = ports.balancer!;
		const roles = labRoles(units, counts);
		const address = (unit: LabUnit) => `127.0.0.1:${unit.port}`;
		const replicaServers = {stable: of('stable').map(address), canary: of('canary').map(address)};
		// Replicas: nginx names the server that answered (X-Upstream), which gives the per-replica counts of a split sample.
		const configText = renderLabConfig({upstream, stable: replicaServers.stable[0]!, canary: replicaServers.canary[0]!, split, listenPort: balancerPort, ...(isSinglePair(counts) ? {} : {replicas: replicaServers, upstreamHeader: true})});
		const want = options.balancer ?? 'auto';
		const useNginx = want === 'nginx' || (want === 'auto' && findNginx() !== null);
		cleanups.push(stopEngines);
		// Engines and balancer start side by side: the ports are known, and each child takes
		// about a second to load.
		// allSettled, not all: on a failure every part must have registered its cleanup first.
		const [balancer, ...started] = await Promise.allSettled([startBalancerPart(useNginx, configText, roles, balancerPort), ...units.map((unit) => unit.supervisor.start())]);
		for (const part of [balancer, ...started]) if (part.status === 'rejected') throw part.reason;
		const {proxy, balancerPid, balancerDescribe} = (balancer as PromiseFulfilledResult<Awaited<ReturnType<typeof startBalancerPart>>>).value;

		const balancerUrl = `http://127.0.0.1:${balancerPort}`;
		const {child: load} = await spawnLabChild(['load', '--url', balancerUrl, '--rps', String(options.rps ?? 20), '--seed', String(deriveSeed(seed, 'load'))]);
		cleanups.push(() => stopChild(load));
		const stats = labReplicaStats(() => units);
		const setUnitFaults = async (unit: LabUnit, faults: Partial<Faults>) => {
			const response = await fetch(`http://${address(unit)}/__lab/faults`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(faults), signal: AbortSignal.timeout(5000)});
			const text = await response.text();
			if (!response.ok) throw new Error(`${unit.name} refused the faults: ${text}`);
			unit.faults = {...unit.faults, ...faults};
		};
		/** A role's state: the first replica that is not running, else running. */
		const roleInfo = (role: EngineRole) => {
			const infos = of(role).map((unit) => unit.supervisor.info());
			const down = infos.find((info) => info.state !== 'running') ?? infos[0]!;
			return {...down, restarts: infos.reduce((sum, info) => sum + info.restarts, 0)};
		};
		const engineCount = units.length === 2 ? '2 engines' : `${counts.stable}+${counts.canary} engine replicas`;

		return {
			urls: {balancer: balancerUrl, stable: `http://${address(of('stable')[0]!)}`, canary: `http://${address(of('canary')[0]!)}`},
			roles,
			replicas: units.map((unit) => ({id: unit.id, role: unit.role, server: address(unit)})),
			upstream,
			balancerKind: useNginx ? 'nginx' : 'lab',
			logs,
			stats,
			lifecycle,
			proxy,
			runtime: {kind: 'lab', describe: `lab (${engineCount} + ${balancerDescribe}, seed ${seed})`},
			seed,
			load: labLoad(load),
			async setFaults(role, faults) {
				await Promise.all(of(role).map((unit) => setUnitFaults(unit, faults)));
			},
			async setReplicaFaults(id, faults) {
				const unit = units.find((candidate) => candidate.id === id);
				if (!unit) throw new Error(`no replica ${id} in the lab (it runs ${units.map((u) => u.id).join(', ')})`);
				await setUnitFaults(unit, faults);
			},
			async restartEngine(role) {
				const downAt = Date.now();
				await Promise.all(of(role).map((unit) => unit.supervisor.restart()));
				const gapMs = Date.now() - downAt;
				logs.gap({engine: role, at: Date.now(), gapMs, reason: `engine-${role} restarted, ${(gapMs / 1000).toFixed(1)} s gap`});
			},
			async stopEngine(role) {
				await Promise.all(of(role).map((unit) => unit.supervisor.stop()));
				lifecycle.emit({engine: role, at: Date.now(), kind: 'die', exitCode: 143});
				logs.detached(role, `engine-${role} stopped`);
			},
			engineState: (role) => roleInfo(role).state,
			engineInfo: (role) => {
				const {exitCode, oomKilled, restarts, startedAt} = roleInfo(role);
				return {exitCode, oomKilled, restarts, startedAt};
			},
			pids() {
				const pids = units.map((unit) => unit.supervisor.child()).filter((c): c is ChildProcess => !!c && !hasExited(c)).map((c) => c.pid!);
				if (!hasExited(load) && load.pid !== undefined) pids.push(load.pid);
				const b = balancerPid();
				return b === null ? pids : [...pids, b];
			},
			async stop() {
				if (stopped) return;
				stopped = true;
				await runCleanups();
			},
		};
	} catch (error) {
		stopped = true;
		await runCleanups();
		throw error;
	}

	async function runCleanups(): Promise<void> {
		// Last started, first stopped: load, then balancer, then engines.
		for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
		cleanups.length = 0;
		if (ownDir) await rm(dir, {recursive: true, force: true}).catch(() => {});
	}
}
