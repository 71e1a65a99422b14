import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {LogSource, ProxyControl, RuntimeInfo, StatsSource} from '../core/types.ts';
import {DEFAULT_PORTS, startLab, type Lab, type LabOptions} from './lab.ts';
import {pickPorts} from './lab-process.ts';

// The lab takes a second or two to start (three processes). The screen should not wait for
// it: the ports are picked first, so the console knows every address at once and draws its
// first frame while the lab comes up behind it. Nothing calls these adapters before `ready`
// resolves (the Monitor starts then); until then they only describe themselves.

export interface LabBehind {
	ready: Promise<Lab>;
	urls: {balancer: string; stable: string; canary: string};
	roles: {stable: string; canary: string};
	upstream: string;
	dir: string;
	logs: LogSource;
	stats: StatsSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	stop(): Promise<void>;
}

export async function startLabBehind(options: LabOptions = {}): Promise<LabBehind> {
	const ownDir = options.dir === undefined;
	const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'canary-lab-')));
	const ports = await pickPorts({...DEFAULT_PORTS, ...options.ports});
	const upstream = options.upstream ?? 'involution_engine';
	let lab: Lab | null = null;
	const ready = startLab({...options, dir, ports, upstream}).then((started) => {
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
			return lab ? lab.runtime.describe : 'starting the lab (2 engines, a balancer, a load generator)...';
		},
	};
	return {
		ready,
		urls: {balancer: `http://127.0.0.1:${ports.balancer}`, stable: `http://127.0.0.1:${ports.stable}`, canary: `http://127.0.0.1:${ports.canary}`},
		roles: {stable: `127.0.0.1:${ports.stable}`, canary: `127.0.0.1:${ports.canary}`},
		upstream,
		dir,
		logs: {follow: (engine, sink, signal) => started().logs.follow(engine, sink, signal)},
		stats: {read: (engine, signal) => started().stats.read(engine, signal)},
		proxy,
		runtime,
		async stop() {
			// A lab that failed to start has already cleaned up after itself.
			const running = await ready.catch(() => null);
			await running?.stop();
			if (ownDir) await rm(dir, {recursive: true, force: true});
		},
	};
}
