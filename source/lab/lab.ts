// The demo lab: two engine processes, a balancer (real nginx when installed, else the lab
// balancer reading the same config), and a load generator, exposed through the same seams the
// console uses for Docker (LogSource, StatsSource, ProxyControl).

import type {ChildProcess} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ENGINE_ROLES, type EngineRole, type LogSource, type ProxyControl, type RuntimeInfo, type StatsSource} from '../core/types.ts';
import {findNginx, startLocalNginx} from '../adapters/nginx-local.ts';
import {MILD_CANARY_FAULT, type Faults} from './faults.ts';
import {renderLabConfig} from './lab-config.ts';
import {createLabLogs} from './lab-logs.ts';
import {hasExited, pickPorts, spawnLabChild, stopChild} from './lab-process.ts';
import {createLabProxy} from './lab-proxy.ts';
import {createLabStats} from './lab-stats.ts';
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
	/** Memory limit the stats report against, in bytes (like a container's limit). */
	memLimit?: number;
	/** Restart an engine that exits by itself (as Docker's restart policy does); default true. */
	autoRestart?: boolean;
}

export interface Lab {
	urls: {balancer: string; stable: string; canary: string};
	roles: {stable: string; canary: string};
	upstream: string;
	balancerKind: 'nginx' | 'lab';
	logs: LogSource;
	stats: StatsSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	setFaults(engine: EngineRole, faults: Partial<Faults>): Promise<void>;
	restartEngine(engine: EngineRole): Promise<void>;
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

interface EngineState {
	child: ChildProcess | null;
	port: number;
	version: string;
	faults: Partial<Faults>;
	startedAt: number | null;
	restarts: number;
	/** Set while the lab itself stops or restarts the engine, so the exit is not a crash. */
	intentional: boolean;
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
	const engines: Record<EngineRole, EngineState> = {
		stable: {child: null, port: 0, version: versions.stable, faults: options.stableFaults ?? {}, startedAt: null, restarts: 0, intentional: false},
		canary: {child: null, port: 0, version: versions.canary, faults: options.canaryFaults ?? MILD_CANARY_FAULT, startedAt: null, restarts: 0, intentional: false},
	};
	let stopped = false;
	const cleanups: Array<() => Promise<void>> = [];
	const crashTimers = new Set<NodeJS.Timeout>();

	async function launch(role: EngineRole): Promise<void> {
		const state = engines[role];
		const {child, port} = await spawnLabChild(['engine', '--port', String(state.port), '--version', state.version, '--faults', JSON.stringify(state.faults)], {
			onSpawn: (spawned) => logs.attach(role, spawned),
		});
		state.child = child;
		state.port = port;
		state.startedAt = Date.now();
		state.intentional = false;
		child.once('exit', (code, signal) => {
			if (state.child !== child || state.intentional || stopped) return;
			// A crash: the engine went away by itself. Come back as a restart policy would.
			const downAt = Date.now();
			logs.detached(role, `engine-${role} exited (${signal ?? `code ${code}`})`);
			if (!autoRestart) return;
			const timer = setTimeout(() => {
				crashTimers.delete(timer);
				if (stopped) return;
				// A crash is a one-shot event: the restarted engine keeps the other faults.
				state.faults = {...state.faults, crashAfterMs: null};
				state.restarts++;
				launch(role).then(
					() => logs.gap({engine: role, at: Date.now(), gapMs: Date.now() - downAt, reason: `engine-${role} crashed and restarted, ${((Date.now() - downAt) / 1000).toFixed(1)} s gap`}),
					(error: Error) => logs.detached(role, error.message),
				);
			}, 500);
			crashTimers.add(timer);
		});
	}

	async function stopEngines(): Promise<void> {
		for (const timer of crashTimers) clearTimeout(timer);
		await Promise.all(
			ENGINE_ROLES.map(async (role) => {
				const state = engines[role];
				state.intentional = true;
				if (state.child) await stopChild(state.child);
			}),
		);
	}

	async function startBalancerPart(
		useNginx: boolean,
		configText: string,
		roles: {stable: string; canary: string},
		balancerPort: number,
	): Promise<{proxy: ProxyControl; balancerPid: () => number | null; balancerDescribe: string}> {
		if (useNginx) {
			const nginx = await startLocalNginx({dir: join(dir, 'nginx'), configText});
			cleanups.push(() => nginx.stop());
			return {proxy: nginx.proxy, balancerPid: () => nginx.pid, balancerDescribe: `nginx ${nginx.version}`};
		} else {
			const configPath = join(dir, 'canary.conf');
			await writeFile(configPath, configText);
			const args = ['balancer', '--config', configPath, '--upstream', upstream, '--stable', roles.stable, '--canary', roles.canary, '--port', String(balancerPort)];
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
		const ports = await pickPorts({...DEFAULT_PORTS, ...options.ports});
		for (const role of ENGINE_ROLES) engines[role].port = ports[role];
		const balancerPort = ports.balancer;
		const roles = {stable: `127.0.0.1:${engines.stable.port}`, canary: `127.0.0.1:${engines.canary.port}`};
		const configText = renderLabConfig({upstream, stable: roles.stable, canary: roles.canary, split, listenPort: balancerPort});
		const want = options.balancer ?? 'auto';
		const useNginx = want === 'nginx' || (want === 'auto' && findNginx() !== null);
		cleanups.push(stopEngines);
		// Engines and balancer start side by side: the ports are known, and each child takes
		// about a second to load.
		// allSettled, not all: on a failure every part must have registered its cleanup first.
		const [balancer, ...started] = await Promise.allSettled([startBalancerPart(useNginx, configText, roles, balancerPort), ...ENGINE_ROLES.map((role) => launch(role))]);
		for (const part of [balancer, ...started]) if (part.status === 'rejected') throw part.reason;
		const {proxy, balancerPid, balancerDescribe} = (balancer as PromiseFulfilledResult<Awaited<ReturnType<typeof startBalancerPart>>>).value;

		const balancerUrl = `http://127.0.0.1:${balancerPort}`;
		const {child: load} = await spawnLabChild(['load', '--url', balancerUrl, '--rps', String(options.rps ?? 20)]);
		cleanups.push(() => stopChild(load));
		const stats = createLabStats(
			(role) => {
				const state = engines[role];
				const pid = state.child && !hasExited(state.child) ? (state.child.pid ?? null) : null;
				return {pid, startedAt: state.startedAt, restarts: state.restarts};
			},
			{memLimit: options.memLimit},
		);

		return {
			urls: {balancer: balancerUrl, stable: `http://${roles.stable}`, canary: `http://${roles.canary}`},
			roles,
			upstream,
			balancerKind: useNginx ? 'nginx' : 'lab',
			logs,
			stats,
			proxy,
			runtime: {kind: 'lab', describe: `lab (2 engine processes + ${balancerDescribe}, local)`},
			load: labLoad(load),
			async setFaults(role, faults) {
				const state = engines[role];
				const response = await fetch(`http://${roles[role]}/__lab/faults`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(faults), signal: AbortSignal.timeout(5000)});
				const text = await response.text();
				if (!response.ok) throw new Error(`engine-${role} refused the faults: ${text}`);
				state.faults = {...state.faults, ...faults};
			},
			async restartEngine(role) {
				const state = engines[role];
				const downAt = Date.now();
				state.intentional = true;
				if (state.child) await stopChild(state.child);
				logs.detached(role, `engine-${role} restarting`);
				state.restarts++;
				await launch(role);
				const gapMs = Date.now() - downAt;
				logs.gap({engine: role, at: Date.now(), gapMs, reason: `engine-${role} restarted, ${(gapMs / 1000).toFixed(1)} s gap`});
			},
			pids() {
				const pids = ENGINE_ROLES.map((role) => engines[role].child).filter((c): c is ChildProcess => !!c && !hasExited(c)).map((c) => c.pid!);
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
