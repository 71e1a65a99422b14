import {spawn, type ChildProcess} from 'node:child_process';
import {accessSync, constants} from 'node:fs';
import {connect} from 'node:net';
import {delimiter, join} from 'node:path';
import type {ContainerState} from '../core/guide/containers.ts';
import {parseArgs} from 'node:util';
import {hasExited, spawnLabChild, stopChild} from './lab-process.ts';

// The lab's stand-in for redis-canary: a real redis-server on a local port, when one is
// installed (Debian's redis-server). Without it the lab says "no Redis in the lab".

export function findRedisServer(): string | null {
	for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin']) {
		const candidate = join(dir, 'redis-server');
		if (candidate.startsWith('/') && isExecutable(candidate)) return candidate;
	}
	return null;
}

export interface LabRedis {
	url: string;
	state(): ContainerState;
	start(): Promise<void>;
	/** As `docker stop`: it stays stopped until start() or restart(). */
	stop(): Promise<void>;
	restart(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({port, host: '127.0.0.1'}, () => {
			socket.end();
			resolve(true);
		});
		socket.on('error', () => resolve(false));
	});
}

/** A redis-server on 127.0.0.1:port, no persistence, a small maxmemory with LRU eviction. */
function serverArgs(port: number): string[] {
	return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru', '--daemonize', 'no', '--loglevel', 'warning'];
}

async function untilAnswers(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + 5000;
	while (!(await answers(port))) {
		if (hasExited(child) || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** `lab redis`: runs redis-server and stops it when the lab child is told to stop or loses its parent. */
export async function runRedisChild(args: string[], onStop: (close: () => Promise<void>) => void, listening: () => void): Promise<void> {
	const {values} = parseArgs({args, options: {server: {type: 'string'}, port: {type: 'string'}}, strict: true});
	const port = Number(values.port);
	if (!values.server || !Number.isInteger(port) || port < 1) throw new Error('lab redis needs --server PATH and --port N');
	// redis-server ignores SIGHUP (a closed terminal) and outlives a lab child killed outright:
	// on Linux setpriv makes the kernel kill it when this child dies, however it dies.
	const [command, argv] = isExecutable('/usr/bin/setpriv') ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', values.server, ...serverArgs(port)]] : [values.server, serverArgs(port)];
	const server = spawn(command, argv, {stdio: 'ignore'});
	// A terminal that closes sends SIGHUP to the whole group: stop the server as on SIGTERM.
	process.on('SIGHUP', () => process.kill(process.pid, 'SIGTERM'));
	server.on('error', () => {});
	// A redis-server that dies takes its lab child with it: the console sees the child exit.
	server.on('exit', () => process.exit(1));
	onStop(async () => {
		server.removeAllListeners('exit');
		await stopChild(server);
	});
	await untilAnswers(port, server);
	listening();
}

/** The lab's Redis, in a lab child process of its own (it never outlives the console). */
export function createLabRedis(binary: string, port: number): LabRedis {
	let child: ChildProcess | null = null;
	let restarting = false;
	const redis: LabRedis = {
		url: `redis://127.0.0.1:${port}`,
		state() {
			if (restarting) return 'restarting';
			return child && !hasExited(child) ? 'running' : 'exited';
		},
		async start() {
			if (child && !hasExited(child)) return;
			const started = await spawnLabChild(['redis', '--server', binary, '--port', String(port)], {onSpawn: (spawned) => (child = spawned)});
			child = started.child;
		},
		async stop() {
			if (child) await stopChild(child);
		},
		async restart() {
			restarting = true;
			try {
				await redis.stop();
				await redis.start();
			} finally {
				restarting = false;
			}
		},
	};
	return redis;
}

/** Whether an executable is there to run. */
function isExecutable(path: string): boolean {
	try {
		accessSync(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}
