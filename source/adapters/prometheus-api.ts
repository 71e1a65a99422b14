// Prometheus' HTTP API (/api/v1/query) over undici, with a bearer token or basic auth and TLS
// options. Credentials come from the environment or from files the config names; they go into
// request headers and nowhere else (never into messages, the config or the snapshot).

import {readFileSync} from 'node:fs';
import {Agent, request} from 'undici';
import {ProbeError} from '../core/types.ts';
import type {PromQuery} from '../core/monitor/prometheus-metrics.ts';
import type {PromSample} from '../domain/promql.ts';
import type {PrometheusConfig} from '../config-metrics.ts';
import {parseValue} from '../domain/prometheus.ts';
import {describeHttpFailure} from './http-probe.ts';

const MAX_BODY = 4 * 1024 * 1024;

/** The Authorization header, or why the credentials could not be read (a message without them). */
export function authorization(config: PrometheusConfig, env: NodeJS.ProcessEnv): {header: string | null; error: string | null} {
	const readSecret = (file: string, key: string): string => {
		try {
			return readFileSync(file, 'utf8').trim();
		} catch (error) {
			throw new Error(`cannot read metrics.prometheus.${key} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
		}
	};
	try {
		const token = env.CANARY_CONSOLE_PROMETHEUS_TOKEN || (config.bearerTokenFile ? readSecret(config.bearerTokenFile, 'bearerTokenFile') : '');
		if (token) return {header: `Bearer ${token}`, error: null};
		const {username, passwordFile} = config.basicAuth;
		if (username) {
			const password = env.CANARY_CONSOLE_PROMETHEUS_PASSWORD || (passwordFile ? readSecret(passwordFile, 'basicAuth.passwordFile') : '');
			return {header: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, error: null};
		}
		return {header: null, error: null};
	} catch (error) {
		return {header: null, error: (error as Error).message};
	}
}

/** The samples of an instant query's `data`; a scalar is one sample without labels. */
export function samplesOf(data: unknown): PromSample[] {
	const d = data as {resultType?: unknown; result?: unknown} | null;
	if (!d || typeof d !== 'object') throw new ProbeError('bad-response', 'Prometheus answered without data');
	const value = (pair: unknown): number => {
		const text = Array.isArray(pair) ? pair[1] : undefined;
		const parsed = typeof text === 'string' ? parseValue(text) : null;
		return parsed ?? Number.NaN;
	};
	if (d.resultType === 'scalar') return [{labels: {}, value: value(d.result)}];
	if (d.resultType !== 'vector' || !Array.isArray(d.result)) throw new ProbeError('bad-response', `Prometheus answered a ${String(d.resultType).slice(0, 20)}, not a vector`);
	return d.result.map((entry: {metric?: Record<string, string>; value?: unknown}) => {
		const labels: Record<string, string> = {};
		for (const [k, v] of Object.entries(entry?.metric ?? {})) if (typeof v === 'string') labels[k] = v;
		return {labels, value: value(entry?.value)};
	});
}

export function createPrometheusClient(config: PrometheusConfig, env: NodeJS.ProcessEnv = process.env): PromQuery & {close(): Promise<void>} {
	const base = new URL(config.url);
	const where = `Prometheus at ${base.origin}${base.pathname === '/' ? '' : base.pathname}`;
	let ca: string | undefined;
	let setupError: string | null = null;
	if (config.caFile) {
		try {
			ca = readFileSync(config.caFile, 'utf8');
		} catch (error) {
			setupError = `cannot read metrics.prometheus.caFile ${config.caFile}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`;
		}
	}
	const auth = authorization(config, env);
	setupError ??= auth.error;
	const agent = new Agent({connect: {timeout: Math.min(config.timeoutMs, 3000), ca, rejectUnauthorized: !config.insecure}, keepAliveTimeout: 4000, connections: 8});
	const endpoint = new URL('api/v1/query', base.href.endsWith('/') ? base.href : `${base.href}/`);
	return {
		describe: where,
		async instant(query, signal, time) {
			if (setupError) throw new ProbeError('error', setupError);
			const url = new URL(endpoint);
			url.searchParams.set('query', query);
			if (time !== undefined) url.searchParams.set('time', time.toFixed(3));
			const timer = AbortSignal.timeout(config.timeoutMs);
			const combined = signal ? AbortSignal.any([signal, timer]) : timer;
			const headers: Record<string, string> = {accept: 'application/json'};
			if (auth.header) headers.authorization = auth.header;
			let status: number;
			let text: string;
			try {
				const res = await request(url, {dispatcher: agent, method: 'GET', headers, signal: combined, headersTimeout: config.timeoutMs, bodyTimeout: config.timeoutMs});
				status = res.statusCode;
				const chunks: Buffer[] = [];
				let size = 0;
				for await (const chunk of res.body) {
					size += chunk.length;
					if (size > MAX_BODY) {
						res.body.destroy();
						throw new ProbeError('bad-response', `${where} answered more than ${MAX_BODY} bytes`);
					}
					chunks.push(chunk);
				}
				text = Buffer.concat(chunks).toString('utf8');
			} catch (error) {
				if (error instanceof ProbeError) throw error;
				if (timer.aborted && !signal?.aborted) throw new ProbeError('timeout', `${where} did not answer within ${config.timeoutMs} ms`);
				const failure = describeHttpFailure(error, where, Math.min(config.timeoutMs, 3000));
				throw new ProbeError(failure.kind, failure.message);
			}
			if (status === 401 || status === 403) throw new ProbeError('bad-response', `${where} refused the credentials (HTTP ${status})`);
			let body: {status?: unknown; data?: unknown; error?: unknown};
			try {
				body = JSON.parse(text);
			} catch {
				throw new ProbeError('bad-response', `${where} answered HTTP ${status} without JSON`);
			}
			if (body.status !== 'success') {
				const why = typeof body.error === 'string' ? body.error.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 160) : `HTTP ${status}`;
				throw new ProbeError('bad-response', `${where} refused the query: ${why}`);
			}
			return samplesOf(body.data);
		},
		close: () => agent.close(),
	};
}
