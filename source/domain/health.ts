// /healthz answers as readings. The body comes from an engine we do not trust: any shape,
// any size, any bytes. Nothing here throws; what cannot be read is said in words.

import type {ProbeFailure} from './engine.ts';
import type {HealthReading, HealthStatus} from './figures.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Printable, single-line and short: safe to put on the screen. */
export function cleanText(text: string, max = 120): string {
	const flat = String(text)
		.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The engine's kernel check: a boolean, or an object with ok/healthy/loaded/status. */
function kernelsOk(kernels: unknown): boolean | null {
	if (typeof kernels === 'boolean') return kernels;
	if (!isObject(kernels)) return null;
	for (const key of ['ok', 'healthy', 'loaded', 'available']) if (typeof kernels[key] === 'boolean') return kernels[key] as boolean;
	if (typeof kernels.status === 'string') return ['ok', 'healthy', 'loaded', 'available'].includes(kernels.status.toLowerCase());
	return null;
}

function hitRate(cache: unknown): number | null {
	if (!isObject(cache)) return null;
	const rate = num(cache.hit_rate);
	if (rate === null || rate < 0) return null;
	// Some engines report percent; a rate is 0..1.
	return rate > 1 && rate <= 100 ? rate / 100 : rate > 1 ? null : rate;
}

function empty(httpCode: number | null, latencyMs: number | null): HealthReading {
	return {status: 'unknown', httpCode, latencyMs, version: null, queueDepth: null, kernelsOk: null, cacheHitRate: null, error: null};
}

export function parseHealth(httpCode: number, body: string, latencyMs: number): HealthReading {
	const reading = empty(Number.isFinite(httpCode) ? httpCode : null, Number.isFinite(latencyMs) ? latencyMs : null);
	let json: unknown;
	try {
		json = JSON.parse(String(body ?? ''));
	} catch {
		json = undefined;
	}
	if (!isObject(json)) {
		const what = String(body ?? '').trim() === '' ? 'an empty body' : `a body that is not a JSON object: "${cleanText(String(body), 60)}"`;
		// A 5xx without a readable body still says the engine is failing.
		reading.status = httpCode >= 500 ? 'unhealthy' : 'unknown';
		reading.error = `HTTP ${httpCode} with ${what}`;
		return reading;
	}
	const said = typeof json.status === 'string' ? json.status.toLowerCase() : null;
	const known: HealthStatus | null = said === 'healthy' || said === 'degraded' || said === 'unhealthy' ? said : said === 'ok' ? 'healthy' : null;
	if (httpCode >= 500) reading.status = 'unhealthy';
	else if (httpCode >= 200 && httpCode < 300) reading.status = known ?? 'unknown';
	else reading.status = 'unknown';
	if (typeof json.version === 'string') reading.version = cleanText(json.version, 40) || null;
	if (isObject(json.pool)) reading.queueDepth = num(json.pool.queue_depth);
	reading.kernelsOk = kernelsOk(json.kernels);
	reading.cacheHitRate = hitRate(json.cache);
	if (reading.status === 'unhealthy') {
		const error = typeof json.error === 'string' ? cleanText(json.error) : null;
		reading.error = error ?? `HTTP ${httpCode}${said ? `, status "${cleanText(said, 30)}"` : ''}`;
	} else if (reading.status === 'unknown') {
		reading.error =
			httpCode < 200 || httpCode >= 300
				? `unexpected HTTP ${httpCode}${said ? ` with status "${cleanText(said, 30)}"` : ''}`
				: said
					? `unknown status "${cleanText(said, 30)}"`
					: 'no status field in the body';
	} else if (reading.status === 'degraded') {
		reading.error = typeof json.error === 'string' ? cleanText(json.error) : null;
	}
	return reading;
}

/** A probe that got no answer: refused or timed out means down; anything else is unknown. */
export function healthFromFailure(kind: ProbeFailure, message: string): HealthReading {
	const reading = empty(null, null);
	reading.status = kind === 'refused' || kind === 'timeout' ? 'unhealthy' : 'unknown';
	reading.error = cleanText(message) || kind;
	return reading;
}
