// Shared setup for the e2e suite: a real Docker Engine prepared by ops/e2e/run.sh (DOCKER_HOST),
// the lab engine image and the nginx image built by ops/docker/build-images.sh.
import {execFile, spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import type Docker from 'dockerode';
import {connectDocker} from '../../source/adapters/docker/connect.ts';
import type {EngineRole, LogGap, LogSink, RawLine} from '../../source/core/types.ts';
import {waitUntil} from '../helpers/wait.ts';

const run = promisify(execFile);
export const DOCKER_CLI = '/usr/bin/docker';
export const NETWORK = 'canary-e2e';
export const ENGINE_IMAGE = 'canary-console/lab-engine:e2e';
export const NGINX_IMAGE = 'canary-console/nginx:e2e';
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NAMES: Record<EngineRole, string> = {stable: 'engine-stable', canary: 'engine-canary'};

export function requireEngine(): {docker: Docker; engineScript: string} {
	if (!process.env.DOCKER_HOST || !process.env.CANARY_E2E_ENGINE) {
		throw new Error('The e2e suite needs the Docker Engine prepared by ops/e2e/run.sh: run `npm run test:e2e`.');
	}
	return {docker: connectDocker().docker, engineScript: process.env.CANARY_E2E_ENGINE};
}

export async function cli(args: string[], options: {allowFail?: boolean} = {}): Promise<string> {
	try {
		const {stdout} = await run(DOCKER_CLI, args, {env: process.env, maxBuffer: 16 * 1024 * 1024});
		return stdout.trim();
	} catch (error) {
		if (options.allowFail) return '';
		const e = error as {stderr?: string; message: string};
		throw new Error(`docker ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
	}
}

export async function ensureNetwork(): Promise<void> {
	if (!(await cli(['network', 'ls', '-q', '--filter', `name=^${NETWORK}$`]))) await cli(['network', 'create', NETWORK]);
}

export interface EngineOptions {
	/** A fixed loopback port (kept across restarts and recreations); default: one Docker picks. */
	hostPort?: number;
	/**
	 * Faults in the container's command (`--faults JSON`, the body /__lab/faults takes), so every
	 * start under the restart policy has them again: a crash loop exits after each start, a memory
	 * fault grows to the --memory limit again after each OOM kill.
	 */
	faults?: Record<string, unknown>;
}

/** Starts a lab engine container like the real ones: --init, restart policy, memory limit. */
export async function startEngine(name: string, version: string, options: EngineOptions = {}): Promise<void> {
	await cli(['rm', '-f', name], {allowFail: true});
	await cli([
		'run', '-d', '--init', '--name', name, '--network', NETWORK, '--restart', 'unless-stopped',
		'--memory', '256m', '-p', `127.0.0.1:${options.hostPort ?? ''}:8080`, ENGINE_IMAGE, '--host', '0.0.0.0', '--port', '8080', '--version', version,
		...(options.faults ? ['--faults', JSON.stringify(options.faults)] : []),
	]);
}

/** The host port Docker published for a container port (loopback only). */
export async function hostPort(name: string, containerPort: number): Promise<number> {
	const out = await cli(['port', name, `${containerPort}/tcp`]);
	const m = /127\.0\.0\.1:(\d+)/.exec(out);
	if (!m) throw new Error(`no loopback port for ${name}:${containerPort} (${out})`);
	return Number(m[1]);
}

export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
	return waitUntil(what, probe, {timeoutMs, everyMs: 50});
}

/** GET through a fresh connection; resolves with status and headers, rejects when nothing answers. */
export async function get(port: number, path: string, userAgent: string): Promise<{status: number; headers: Headers; body: string}> {
	// A timer of our own, not AbortSignal.timeout: that one is unref'd, and a request docker-proxy
	// accepted for a container not yet listening can leave the test runner with nothing keeping the
	// event loop alive ("Promise resolution is still pending but the event loop has already resolved").
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new Error(`GET ${path} on port ${port}: no answer in 3 s`)), 3000);
	try {
		const response = await fetch(`http://127.0.0.1:${port}${path}`, {headers: {'user-agent': userAgent, connection: 'close'}, signal: controller.signal});
		return {status: response.status, headers: response.headers, body: await response.text()};
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Waits until each engine answers /healthz on its own loopback port. Call it before nginx starts:
 * nginx (max_fails=1, fail_timeout=10s by default, and without a `zone` each worker keeps its own
 * failures) marks a server that refused its first connection as failed for 10 s in that worker,
 * so a probe through nginx can see both versions on one worker while another still answers
 * 502 "no live upstreams" to whatever lands on it next.
 */
export async function untilAnswering(ports: number[], timeoutMs = 20_000): Promise<void> {
	await Promise.all(ports.map((port) => waitFor(`the engine on port ${port} answering /healthz`, async () => (await get(port, '/healthz', 'e2e-ready').catch(() => null))?.status === 200, timeoutMs)));
}

/** POST /__lab/faults on an engine's port: the faults it runs with from now on (until it restarts). */
export async function setLabFaults(port: number, faults: Record<string, unknown>): Promise<void> {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new Error(`POST /__lab/faults on port ${port}: no answer in 5 s`)), 5000);
	try {
		const response = await fetch(`http://127.0.0.1:${port}/__lab/faults`, {method: 'POST', body: JSON.stringify(faults), signal: controller.signal});
		const text = await response.text();
		if (response.status !== 200) throw new Error(`POST /__lab/faults on port ${port}: ${response.status} ${text}`);
	} finally {
		clearTimeout(timer);
	}
}

export interface Recorded {
	lines: RawLine[];
	gaps: LogGap[];
	/** For each gap: how many lines had arrived before it (its place in the stream). */
	gapIndex: number[];
	statuses: Array<{engine: EngineRole; state: string; message?: string; at: number}>;
	batches: number;
}

export function recordingSink(): {sink: LogSink; seen: Recorded} {
	const seen: Recorded = {lines: [], gaps: [], gapIndex: [], statuses: [], batches: 0};
	return {
		seen,
		sink: {
			lines(batch) {
				seen.batches++;
				seen.lines.push(...batch);
			},
			gap(gap) {
				seen.gaps.push(gap);
				seen.gapIndex.push(seen.lines.length);
			},
			status(engine, state, message) {
				seen.statuses.push({engine, state, message, at: Date.now()});
			},
		},
	};
}

/** The user agents (our request ids) of the engine's request log lines, in arrival order. */
export function agentsOf(lines: RawLine[], engine: EngineRole, prefix: string): string[] {
	const out: string[] = [];
	for (const line of lines) {
		if (line.engine !== engine || !line.text.startsWith('{')) continue;
		try {
			const ua = (JSON.parse(line.text) as {user_agent?: string}).user_agent;
			if (ua?.startsWith(prefix)) out.push(ua);
		} catch {
			// not JSON
		}
	}
	return out;
}

export async function engineCommand(script: string, command: 'daemon' | 'stop'): Promise<void> {
	await run(script, [command], {env: process.env, maxBuffer: 4 * 1024 * 1024});
}

export interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
	ms: number;
	json: Record<string, any>;
}

/** `node --import tsx source/cli.tsx <args> --config FILE --json`, with this process's DOCKER_HOST. */
export function runConsole(configFile: string, args: string[], timeoutMs = 40_000): Promise<Run> {
	const began = performance.now();
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'source/cli.tsx', ...args, '--config', configFile, '--json'], {
			cwd: ROOT,
			env: {...process.env, NO_COLOR: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`canary-console ${args.join(' ')} still running after ${timeoutMs} ms; stderr: ${stderr}`));
		}, timeoutMs);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			let json: Record<string, any> = {};
			try {
				json = JSON.parse(stdout) as Record<string, any>;
			} catch {
				return reject(new Error(`canary-console ${args.join(' ')} (exit ${code}) printed no JSON: ${stdout}\nstderr: ${stderr}`));
			}
			resolve({code, stdout, stderr, ms: performance.now() - began, json});
		});
	});
}

/** A console run in a line for an assertion message: exit code, time, stdout and stderr (cut). */
export function describeRun(run: Run): string {
	return `exit ${run.code} in ${Math.round(run.ms)} ms: ${run.stdout.slice(0, 4000)}\nstderr: ${run.stderr.slice(0, 2000)}`;
}

/** Every line of an audit log, parsed; none when it is not there yet. */
export async function auditLinesOf(path: string): Promise<Array<Record<string, any>>> {
	const text = await readFile(path, 'utf8').catch(() => '');
	return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
}
