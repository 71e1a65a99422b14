import {performance} from 'node:perf_hooks';
import {connectResp, type RespClient} from './resp.ts';
import type {CommandResult} from '../core/types.ts';
import type {RedisSource} from '../core/guide/redis-source.ts';
import {statsFromInfo, type RedisReading} from '../domain/redis-info.ts';

// Redis over its published port (one connection, kept between polls; resp.ts says why not a
// full client library), and `redis-cli` inside the container when the port does not answer
// (the guide's own `docker exec redis-canary redis-cli ping`), always as an argv array.

export type {RedisSource} from '../core/guide/redis-source.ts';

export interface RedisSourceOptions {
	url: string;
	timeoutMs?: number;
	/** Runs redis-cli's argv inside the Redis container (Docker only). */
	exec?: (argv: string[]) => Promise<CommandResult>;
	/** The container, for messages. */
	container?: string;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createRedisSource(options: RedisSourceOptions): RedisSource {
	const timeoutMs = options.timeoutMs ?? 1500;
	let client: RespClient | null = null;
	let connecting: Promise<RespClient> | null = null;

	// No reconnect loop of its own: the next poll connects again, so a dead Redis costs one attempt per poll.
	const connect = (): Promise<RespClient> => {
		if (client?.open) return Promise.resolve(client);
		connecting ??= withTimeout(connectResp(options.url, timeoutMs), timeoutMs + 200, `connect to ${options.url}`)
			.then((fresh) => (client = fresh))
			.finally(() => {
				connecting = null;
			});
		return connecting;
	};

	const drop = () => {
		client?.close();
		client = null;
	};

	async function overPort(): Promise<RedisReading> {
		const c = await connect();
		const start = performance.now();
		const pong = await c.command(['PING'], timeoutMs);
		const pingMs = performance.now() - start;
		if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
		const info = await c.command(['INFO'], timeoutMs);
		return {at: Date.now(), ok: true, pingMs, stats: statsFromInfo(String(info ?? '')), via: options.url};
	}

	async function overCli(): Promise<RedisReading> {
		const exec = options.exec!;
		const via = `redis-cli in ${options.container ?? 'the container'}`;
		const start = performance.now();
		const ping = await exec(['redis-cli', 'ping']);
		const pingMs = performance.now() - start;
		if (!ping.ok || !/PONG/.test(ping.output)) return {at: Date.now(), ok: false, error: `${via}: ${ping.output.trim() || `exit code ${ping.exitCode}`}`, via};
		const info = await exec(['redis-cli', 'info']);
		if (!info.ok) return {at: Date.now(), ok: false, error: `${via}: ${info.output.trim()}`, via};
		// Includes docker exec's own cost (tens of ms): the panel says which way it was measured.
		return {at: Date.now(), ok: true, pingMs, stats: statsFromInfo(info.output), via};
	}

	return {
		describe: options.exec ? `${options.url} (else redis-cli in ${options.container ?? 'the container'})` : options.url,
		async read() {
			try {
				const kept = client?.open === true;
				try {
					return await overPort();
				} catch (error) {
					drop();
					// A kept connection that broke (Redis restarted) is tried once anew, so the reading
					// says what is wrong now (refused, or fine again), not "connection closed".
					if (!kept) throw error;
					return await overPort();
				}
			} catch (error) {
				drop();
				const message = (error as Error).message || String(error);
				if (!options.exec) return {at: Date.now(), ok: false, error: message, via: options.url};
				const fallback = await overCli().catch((cliError: Error) => ({at: Date.now(), ok: false as const, error: cliError.message, via: 'redis-cli'}));
				return fallback.ok ? fallback : {...fallback, error: `${options.url}: ${message}; ${fallback.error}`};
			}
		},
		async close() {
			await connecting?.catch(() => null);
			drop();
		},
	};
}
