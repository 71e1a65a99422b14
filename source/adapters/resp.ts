import {connect, type Socket} from 'node:net';

// The two commands the console sends Redis (PING and INFO, plus AUTH when the URL has a
// password), in its wire protocol (RESP). A full client (node-redis' @redis/client, ioredis)
// added 38 MB to the console's peak RSS in the bench (163 MB against a 150 MB budget) for
// these two commands; this is the part of RESP they need: one command at a time, simple
// strings, errors, integers and bulk strings.

export class RespError extends Error {
	override name = 'RespError';
}

const MAX_REPLY = 4 * 1024 * 1024;

/** Encodes a command as a RESP array of bulk strings (no text is ever interpreted by a shell). */
export function encodeCommand(args: readonly string[]): Buffer {
	const parts = [`*${args.length}\r\n`];
	for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
	return Buffer.from(parts.join(''));
}

/** One complete reply at the start of `buffer`: its value and length, or null while incomplete. */
export function parseReply(buffer: Buffer): {value: string | number | null | RespError; length: number} | null {
	const end = buffer.indexOf('\r\n');
	if (end < 0) return null;
	const line = buffer.subarray(1, end).toString('utf8');
	switch (buffer[0]) {
		case 0x2b: // +
			return {value: line, length: end + 2};
		case 0x2d: // -
			return {value: new RespError(line), length: end + 2};
		case 0x3a: // :
			return {value: Number(line), length: end + 2};
		case 0x24: {
			// $
			const size = Number(line);
			if (size < 0) return {value: null, length: end + 2};
			if (buffer.length < end + 2 + size + 2) return null;
			return {value: buffer.subarray(end + 2, end + 2 + size).toString('utf8'), length: end + 2 + size + 2};
		}
		default:
			throw new RespError(`unexpected reply from Redis: ${JSON.stringify(buffer.subarray(0, 40).toString('latin1'))}`);
	}
}

export interface RespClient {
	/** Sends one command and waits for its reply; rejects on an error reply, a timeout or a closed connection. */
	command(args: readonly string[], timeoutMs: number): Promise<string | number | null>;
	close(): void;
	readonly open: boolean;
}

/** Connects to redis://[user:password@]host:port, authenticating when the URL has a password. */
export async function connectResp(url: string, timeoutMs: number): Promise<RespClient> {
	const parsed = new URL(url);
	const socket: Socket = connect({host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379)});
	socket.setNoDelay(true);
	let buffer = Buffer.alloc(0);
	let pending: {resolve: (value: string | number | null) => void; reject: (error: Error) => void} | null = null;
	let open = false;
	const fail = (error: Error) => {
		open = false;
		const waiting = pending;
		pending = null;
		waiting?.reject(error);
	};
	socket.on('data', (chunk) => {
		buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
		if (buffer.length > MAX_REPLY) return void (fail(new RespError('reply from Redis too large')), socket.destroy());
		let reply: ReturnType<typeof parseReply>;
		try {
			reply = parseReply(buffer);
		} catch (error) {
			fail(error as Error);
			socket.destroy();
			return;
		}
		if (!reply) return;
		buffer = buffer.subarray(reply.length);
		const waiting = pending;
		pending = null;
		if (reply.value instanceof RespError) waiting?.reject(reply.value);
		else waiting?.resolve(reply.value);
	});
	socket.on('error', (error) => fail(error));
	socket.on('close', () => fail(new RespError('connection to Redis closed')));
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new RespError(`connect to ${parsed.host} timed out after ${timeoutMs} ms`));
		}, timeoutMs);
		socket.once('connect', () => {
			clearTimeout(timer);
			open = true;
			resolve();
		});
		socket.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
	const client: RespClient = {
		get open() {
			return open;
		},
		command(args, ms) {
			if (!open) return Promise.reject(new RespError('not connected to Redis'));
			if (pending) return Promise.reject(new RespError('a command is already waiting for its reply'));
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					// A late reply would answer the next command: the connection is given up.
					fail(new RespError(`${args[0]} timed out after ${ms} ms`));
					socket.destroy();
				}, ms);
				pending = {
					resolve: (value) => (clearTimeout(timer), resolve(value)),
					reject: (error) => (clearTimeout(timer), reject(error)),
				};
				socket.write(encodeCommand(args));
			});
		},
		close() {
			open = false;
			socket.destroy();
		},
	};
	if (parsed.password) {
		const user = decodeURIComponent(parsed.username);
		const password = decodeURIComponent(parsed.password);
		await client.command(user ? ['AUTH', user, password] : ['AUTH', password], timeoutMs).catch((error: Error) => {
			client.close();
			throw error;
		});
	}
	return client;
}
