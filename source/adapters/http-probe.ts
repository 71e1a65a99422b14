// HTTP GET for /healthz and /metrics over keep-alive connections (undici), with connect and
// total timeouts, and failures put in words a person at the console understands.

import {Agent, request} from 'undici';
import {ProbeError, type HttpProbe, type HttpResult, type ProbeFailure} from '../core/types.ts';

export interface HttpProbeOptions {
	connectTimeoutMs?: number;
	/** Whole request, from connect to the last byte of the body. */
	totalTimeoutMs?: number;
	/** Bodies beyond this are refused: an engine must not fill our memory. */
	maxBodyBytes?: number;
}

const RETRYABLE = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

function codeOf(error: unknown): string {
	const e = error as {code?: unknown; cause?: unknown; errors?: unknown[]} | null;
	if (!e || typeof e !== 'object') return '';
	if (typeof e.code === 'string') return e.code;
	// Happy eyeballs reports an AggregateError whose members carry the codes.
	if (Array.isArray(e.errors)) for (const inner of e.errors) if (codeOf(inner)) return codeOf(inner);
	return e.cause ? codeOf(e.cause) : '';
}

/** A failed request in words a person at the console understands. */
export function describeHttpFailure(error: unknown, where: string, connectMs: number): {kind: ProbeFailure; message: string} {
	const code = codeOf(error);
	if (code === 'ECONNREFUSED') return {kind: 'refused', message: `connection refused at ${where}`};
	if (code === 'UND_ERR_CONNECT_TIMEOUT') return {kind: 'timeout', message: `could not connect to ${where} within ${connectMs} ms`};
	if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return {kind: 'timeout', message: `${where} stopped answering`};
	if (RETRYABLE.has(code)) return {kind: 'error', message: `${where} closed the connection`};
	if (code.startsWith('HPE_') || code === 'UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE') return {kind: 'bad-response', message: `bad HTTP response from ${where} (${code})`};
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return {kind: 'error', message: `cannot resolve the host of ${where}`};
	if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return {kind: 'error', message: `${where} is unreachable`};
	const text = error instanceof Error ? error.message : String(error);
	return {kind: 'error', message: `request to ${where} failed: ${text.replace(/[\u0000-\u001f]+/g, ' ').slice(0, 100)}${code ? ` (${code})` : ''}`};
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
	return out;
}

export function createHttpProbe(options: HttpProbeOptions = {}): HttpProbe {
	const connectMs = options.connectTimeoutMs ?? 2000;
	const totalMs = options.totalTimeoutMs ?? 5000;
	const maxBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
	const agent = new Agent({connect: {timeout: connectMs}, keepAliveTimeout: 4000, keepAliveMaxTimeout: 30_000, connections: 4});

	async function once(url: URL, where: string, timeoutMs: number, signal: AbortSignal | undefined, headers: Record<string, string> | undefined): Promise<HttpResult> {
		const timer = AbortSignal.timeout(timeoutMs);
		const combined = signal ? AbortSignal.any([signal, timer]) : timer;
		const started = performance.now();
		try {
			const res = await request(url, {dispatcher: agent, method: 'GET', headers, signal: combined, headersTimeout: timeoutMs, bodyTimeout: timeoutMs});
			const chunks: Buffer[] = [];
			let size = 0;
			for await (const chunk of res.body) {
				size += chunk.length;
				if (size > maxBytes) {
					res.body.destroy();
					throw new ProbeError('bad-response', `${where} sent more than ${Math.round(maxBytes / 1048576)} MiB`);
				}
				chunks.push(chunk as Buffer);
			}
			return {status: res.statusCode, headers: flatten(res.headers), body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started};
		} catch (error) {
			if (error instanceof ProbeError) throw error;
			if (signal?.aborted) throw new ProbeError('error', `request to ${where} was cancelled`);
			if (timer.aborted) throw new ProbeError('timeout', `no answer from ${where} within ${timeoutMs} ms`);
			const {kind, message} = describeHttpFailure(error, where, connectMs);
			throw Object.assign(new ProbeError(kind, message), {retryable: RETRYABLE.has(codeOf(error))});
		}
	}

	return {
		async get(target, opts = {}) {
			let url: URL;
			try {
				url = new URL(target);
			} catch {
				throw new ProbeError('error', `not a URL: ${String(target).slice(0, 80)}`);
			}
			const where = url.host;
			const timeoutMs = opts.timeoutMs ?? totalMs;
			if (opts.signal?.aborted) throw new ProbeError('error', `request to ${where} was cancelled`);
			try {
				return await once(url, where, timeoutMs, opts.signal, opts.headers);
			} catch (error) {
				// A kept-alive connection cut by the server (nginx reload, idle close): retry once on a fresh one.
				if ((error as {retryable?: boolean}).retryable) return once(url, where, timeoutMs, opts.signal, opts.headers);
				throw error;
			}
		},
		async close() {
			await agent.close();
		},
	};
}
