// Child processes of the lab: started with the same Node and the tsx loader, stdout kept for
// log lines, the listening port reported over IPC, and stopped by pid with a deadline.

import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createServer} from 'node:net';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {LabChildMessage} from './run.ts';

/** The project's folder: the nearest one up from here with our package.json. */
function projectRoot(from: string): string {
	for (let dir = from; ; dir = dirname(dir)) {
		if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'canary-console.js'))) return dir;
		if (dirname(dir) === dir) return join(from, '..', '..');
	}
}

// From the sources the children run run.ts through tsx; from the bundle (dist/, where this
// code sits in a chunk) they run the bundled CLI's `lab` command as plain JS.
const compiled = import.meta.url.endsWith('.js');
const PROJECT_ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));
export const RUN_ARGV = compiled ? [join(PROJECT_ROOT, 'dist', 'cli.js'), 'lab'] : [join(PROJECT_ROOT, 'source', 'lab', 'run.ts')];

export interface LabChild {
	child: ChildProcess;
	port: number;
}

/** Spawns `run.ts <args>` (or `cli.js lab <args>`) and resolves once the child reports its port. */
export function spawnLabChild(args: string[], options: {onSpawn?: (child: ChildProcess) => void; timeoutMs?: number} = {}): Promise<LabChild> {
	const timeoutMs = options.timeoutMs ?? 15_000;
	// An absolute URL for the loader, so the child does not depend on its working directory.
	const loader = compiled ? [] : ['--import', import.meta.resolve('tsx')];
	const child = spawn(process.execPath, [...loader, ...RUN_ARGV, ...args], {
		cwd: PROJECT_ROOT,
		stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
		env: {...process.env, NODE_OPTIONS: ''},
	});
	// Output readers attach before anything is read, so startup lines reach them too.
	options.onSpawn?.(child);
	let stderrTail = '';
	const collect = (chunk: Buffer | string) => {
		stderrTail = (stderrTail + chunk.toString()).slice(-2000);
	};
	child.stderr?.on('data', collect);
	return new Promise((resolve, reject) => {
		const fail = (message: string) => {
			cleanup();
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
			reject(new Error(`${message}${stderrTail ? `: ${stderrTail.trim()}` : ''}`));
		};
		const timer = setTimeout(() => fail(`lab ${args[0]} did not start within ${timeoutMs} ms`), timeoutMs);
		const onMessage = (message: LabChildMessage) => {
			if (message?.type !== 'listening') return;
			cleanup();
			resolve({child, port: message.port});
		};
		const onExit = (code: number | null, signal: string | null) => fail(`lab ${args[0]} exited (${signal ?? `code ${code}`}) before listening`);
		const onError = (error: Error) => fail(`cannot start lab ${args[0]}: ${error.message}`);
		function cleanup() {
			clearTimeout(timer);
			child.off('message', onMessage);
			child.off('exit', onExit);
			child.off('error', onError);
			child.stderr?.off('data', collect);
		}
		child.on('message', onMessage);
		child.once('exit', onExit);
		child.once('error', onError);
	});
}

export function hasExited(child: ChildProcess): boolean {
	return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after the deadline; resolves when the process is gone. */
export async function stopChild(child: ChildProcess, timeoutMs = 3000): Promise<void> {
	if (hasExited(child)) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => {
		if (!hasExited(child)) child.kill('SIGKILL');
	}, timeoutMs);
	await exited;
	clearTimeout(timer);
}

/** The preferred port when it is free on 127.0.0.1, else one the kernel picks. */
export async function pickPort(preferred: number | undefined): Promise<number> {
	const tryListen = (port: number) =>
		new Promise<number | null>((resolve) => {
			const server = createServer();
			server.once('error', () => resolve(null));
			server.listen(port, '127.0.0.1', () => {
				const address = server.address();
				const got = typeof address === 'object' && address ? address.port : null;
				server.close(() => resolve(got));
			});
		});
	if (preferred) {
		const port = await tryListen(preferred);
		if (port !== null) return port;
	}
	const port = await tryListen(0);
	if (port === null) throw new Error('no free port on 127.0.0.1');
	return port;
}

/**
 * Free ports for several parts, each the preferred one when it is free. Each pick is released
 * before the next, so the kernel could hand out one twice: the set guards against that.
 */
export async function pickPorts<K extends string>(preferred: Record<K, number>): Promise<Record<K, number>> {
	const used = new Set<number>();
	const out = {} as Record<K, number>;
	for (const key of Object.keys(preferred) as K[]) {
		let port = await pickPort(preferred[key]);
		while (used.has(port)) port = await pickPort(0);
		used.add(port);
		out[key] = port;
	}
	return out;
}
