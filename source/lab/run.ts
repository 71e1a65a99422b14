// Entry of the lab's child processes: `run.ts engine ...`, `run.ts balancer ...`, `run.ts load ...` and `run.ts redis ...`.
// stdout carries only log lines; the listening port goes to the parent over IPC. A child
// never outlives its parent: it exits on SIGTERM/SIGINT, on IPC disconnect and on stdin end.

import {fstatSync} from 'node:fs';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {startEngine} from './engine.ts';
import {mulberry32, parseSeed} from '../domain/seeded-random.ts';
import {parseFaultsPatch, type Faults} from './faults.ts';
import {createLineWriter} from './line-writer.ts';
import type {LoadStats} from './load.ts';

export const LAB_USAGE = `Usage:
  canary-console lab engine --port 9101 --version 1.1.0 [--latency-ms 40] [--jitter-ms 10]
      [--error-rate 0.02] [--abort-rate 0.5] [--error-message TEXT --error-message-rate 0.003] [--memory-growth MB_PER_MIN]
      [--health healthy|degraded|unhealthy] [--crash-after-ms N] [--crash-loop-ms N] [--health-flap-sec N]
      [--slow-metrics-ms N] [--log-rate LINES_PER_S] [--memory-cap-mb N] [--seed N]
      [--faults JSON]   (the body /__lab/faults takes; merged over the flags)
  canary-console lab balancer --config FILE --upstream NAME --stable ADDR --canary ADDR --port N
  canary-console lab load --url http://127.0.0.1:9100 [--rps 20] [--seed N]
  canary-console lab redis --server /usr/bin/redis-server --port N`;

/** Messages a lab child sends to its parent over IPC. */
export type LabChildMessage =
	| {type: 'listening'; port: number}
	| {type: 'reloaded'; ok: boolean; message: string}
	| {type: 'load-stats'; id: number; stats: LoadStats}
	| {type: 'load-rate'; id: number};

/** Requests the parent sends to `lab load`. */
export type LoadRequest = {type: 'load-stats'; id: number} | {type: 'load-rate'; id: number; rps: number};

export class UsageError extends Error {
	override name = 'UsageError';
}

function numberFlag(value: string | undefined, name: string): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
	return n;
}

/** Turns engine flags into a validated faults patch (the same checks as /__lab/faults). */
export function faultsFromFlags(values: Record<string, string | undefined>): Partial<Faults> {
	const raw: Record<string, unknown> = {};
	const map: Array<[string, keyof Faults]> = [
		['latency-ms', 'latencyMs'],
		['jitter-ms', 'jitterMs'],
		['error-rate', 'errorRate'],
		['abort-rate', 'abortRate'],
		['memory-growth', 'memoryGrowthMbPerMin'],
		['crash-after-ms', 'crashAfterMs'],
		['slow-metrics-ms', 'slowMetricsMs'],
		['log-rate', 'logRate'],
		['health-flap-sec', 'healthFlapSec'],
	];
	for (const [flag, key] of map) {
		const n = numberFlag(values[flag], flag);
		if (n !== undefined) raw[key] = n;
	}
	if (values.health !== undefined) raw.health = values.health;
	const loopMs = numberFlag(values['crash-loop-ms'], 'crash-loop-ms');
	if (loopMs !== undefined) raw.crashLoop = {afterMs: loopMs};
	if (values['error-message'] !== undefined) {
		raw.errorMessage = {text: values['error-message'], rate: numberFlag(values['error-message-rate'], 'error-message-rate') ?? 0.003};
	}
	try {
		return parseFaultsPatch(raw);
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
}

/** The process's random source: repeatable with --seed, Math.random without. */
function randomFrom(value: string | undefined): () => number {
	if (value === undefined) return Math.random;
	const seed = parseSeed(value);
	if (seed === null) throw new UsageError(`--seed must be a whole number from 0 to 4294967295, got "${value}"`);
	return mulberry32(seed);
}

function send(message: LabChildMessage): void {
	if (process.send && process.connected) process.send(message);
}

/** Exits when whoever started us is gone: IPC channel closed, or our stdin pipe ended. */
function exitWithParent(shutdown: (why: string) => void): void {
	if (process.channel) process.on('disconnect', () => shutdown('parent disconnected'));
	try {
		const stat = fstatSync(0);
		// Only a pipe or socket means a parent holds the other end; a TTY or /dev/null does not.
		if (stat.isFIFO() || stat.isSocket()) {
			process.stdin.on('end', () => shutdown('stdin closed'));
			process.stdin.on('error', () => shutdown('stdin error'));
			process.stdin.resume();
		}
	} catch {
		// No stdin at all: nothing to watch.
	}
}

function onStop(close: () => Promise<void>): void {
	let stopping = false;
	const shutdown = () => {
		if (stopping) return;
		stopping = true;
		// Never linger: if a close hangs, leave anyway.
		setTimeout(() => process.exit(0), 1500).unref();
		close().finally(() => process.exit(0));
	};
	process.on('SIGTERM', shutdown);
	process.on('SIGINT', shutdown);
	exitWithParent(shutdown);
}

async function runEngine(args: string[]): Promise<void> {
	const {values} = parseArgs({
		args,
		options: Object.fromEntries(
			['port', 'host', 'version', 'faults', 'latency-ms', 'jitter-ms', 'error-rate', 'abort-rate', 'error-message', 'error-message-rate', 'memory-growth', 'health', 'crash-after-ms', 'crash-loop-ms', 'health-flap-sec', 'slow-metrics-ms', 'log-rate', 'memory-cap-mb', 'seed'].map((name) => [name, {type: 'string' as const}]),
		),
		strict: true,
	});
	const port = numberFlag(values.port, 'port') ?? 9101;
	const memoryCapMb = numberFlag(values['memory-cap-mb'], 'memory-cap-mb');
	if (memoryCapMb !== undefined && !(memoryCapMb > 0)) throw new UsageError('--memory-cap-mb must be more than 0');
	const random = randomFrom(values.seed);
	const faults = faultsFromFlags(values);
	// --faults takes the JSON of /__lab/faults (the lab passes its engines' faults this way).
	if (values.faults !== undefined) {
		try {
			Object.assign(faults, parseFaultsPatch(JSON.parse(values.faults)));
		} catch (error) {
			throw new UsageError(`--faults: ${(error as Error).message}`);
		}
	}
	const out = createLineWriter(process.stdout);
	const err = createLineWriter(process.stderr, 256 * 1024);
	const engine = await startEngine({
		port,
		host: values.host ?? '127.0.0.1',
		version: values.version ?? '1.1.0',
		faults,
		random,
		memoryCapMb,
		log: (line) => out.write(line),
		stderr: (line) => err.write(line),
		exit: (code) => void out.flush(300).finally(() => process.exit(code)),
		// stdout and stderr together: a reader receives both.
		lineStats: () => ({linesWritten: out.written() + err.written(), linesDropped: out.dropped() + err.dropped()}),
	});
	onStop(async () => {
		err.write('INFO:     Shutting down');
		await engine.close();
		err.write(`INFO:     Finished server process [${process.pid}]`);
		await Promise.all([out.flush(300), err.flush(300)]);
	});
	send({type: 'listening', port: engine.port});
}

async function runBalancer(args: string[]): Promise<void> {
	const {values} = parseArgs({
		args,
		options: Object.fromEntries(['config', 'upstream', 'stable', 'canary', 'port', 'host'].map((name) => [name, {type: 'string' as const}])),
		strict: true,
	});
	for (const name of ['config', 'stable', 'canary'] as const) {
		if (!values[name]) throw new UsageError(`--${name} is required`);
	}
	const {startBalancer} = await import('./balancer.ts');
	const balancer = await startBalancer({
		configPath: values.config!,
		upstream: values.upstream ?? 'involution_engine',
		roles: {stable: values.stable!, canary: values.canary!},
		port: numberFlag(values.port, 'port') ?? 9100,
		host: values.host ?? '127.0.0.1',
	});
	// SIGHUP re-reads the config, as `nginx -s reload` makes nginx do.
	process.on('SIGHUP', () => {
		balancer.reload().then(
			(result) => send({type: 'reloaded', ok: result.ok, message: result.message}),
			(error: Error) => send({type: 'reloaded', ok: false, message: error.message}),
		);
	});
	onStop(() => balancer.close());
	send({type: 'listening', port: balancer.port});
}

/**
 * The lab's clients: a steady request rate through the balancer. A process of its own, as
 * real clients are: the console's CPU and memory are the console's alone.
 */
async function runLoad(args: string[]): Promise<void> {
	const {values} = parseArgs({args, options: {url: {type: 'string'}, rps: {type: 'string'}, seed: {type: 'string'}}, strict: true});
	if (!values.url) throw new UsageError('--url is required');
	const rps = numberFlag(values.rps, 'rps') ?? 20;
	if (rps < 0) throw new UsageError('--rps must be 0 or more');
	const {startLoad} = await import('./load.ts');
	const load = startLoad({url: values.url, rps, random: randomFrom(values.seed)});
	process.on('message', (request: LoadRequest) => {
		if (request?.type === 'load-stats') send({type: 'load-stats', id: request.id, stats: load.stats()});
		if (request?.type === 'load-rate' && Number.isFinite(request.rps) && request.rps >= 0) {
			load.setRate(request.rps);
			send({type: 'load-rate', id: request.id});
		}
	});
	onStop(() => load.stop());
	send({type: 'listening', port: 0});
}

/** Runs `engine ...`, `balancer ...` or `load ...`; resolves once it runs (then until signalled). */
export async function runLabCommand(argv: string[]): Promise<void> {
	const [command, ...rest] = argv;
	if (command === 'engine') return runEngine(rest);
	if (command === 'balancer') return runBalancer(rest);
	if (command === 'load') return runLoad(rest);
	// redis-server under a lab child: it goes when the console goes, as the other children do.
	if (command === 'redis') return (await import('./lab-redis.ts')).runRedisChild(rest, onStop, () => send({type: 'listening', port: 0}));
	throw new UsageError(command ? `unknown lab command "${command}"\n${LAB_USAGE}` : LAB_USAGE);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	runLabCommand(process.argv.slice(2)).catch((error: Error) => {
		process.stderr.write(`${error instanceof UsageError || error.name === 'TypeError' ? error.message : error.stack ?? error.message}\n`);
		process.exit(2);
	});
}
