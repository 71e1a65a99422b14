// The lab engine: a stand-in for the Involution Engine with its real HTTP surface (/healthz,
// /metrics, POST /v1/positions, X-Request-Id), its log format, and fault knobs that can be
// turned live through /__lab/faults.

import {randomUUID} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {performance} from 'node:perf_hooks';
import {createEngineMetrics} from './engine-metrics.ts';
import {record, traceback, uvicornAccess} from './engine-output.ts';
import {FaultsError, HEALTHY, flapUnhealthy, mergeFaults, parseFaultsPatch, serviceTimeMs, type Faults} from './faults.ts';
import {createFaultEffects} from './fault-effects.ts';
import {computePositions, parsePositionsRequest, shiftLongitudes} from './positions.ts';

export interface EngineOptions {
	port: number;
	host?: string;
	version: string;
	faults?: Partial<Faults>;
	/** Where JSON log lines go (stdout of the engine process by default). */
	log?: (line: string) => void;
	/** Where uvicorn's plain-text lines go (stderr by default). */
	stderr?: (line: string) => void;
	/** Called by the crash fault; process.exit by default. */
	exit?: (code: number) => void;
	random?: () => number;
	/** The memory limit the engine runs under, in MB: the memory-growth fault grows up to it. */
	memoryCapMb?: number;
	/** The process's own log line counts, served at GET /__lab/stats (so a reader's loss can be measured). */
	lineStats?: () => {linesWritten: number; linesDropped: number};
}

export interface EngineHandle {
	port: number;
	url: string;
	faults(): Faults;
	setFaults(patch: Partial<Faults>): Faults;
	close(): Promise<void>;
}

interface Answer {
	status: number;
	body: unknown;
	text?: string;
	type?: string;
}

const POOL_SIZE = 8;
const CACHE_MAX = 512;
const MAX_BODY = 64 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY) chunks.push(chunk);
		});
		req.on('end', () => resolve(size > MAX_BODY ? '' : Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export async function startEngine(options: EngineOptions): Promise<EngineHandle> {
	const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
	const stderr = options.stderr ?? ((line: string) => process.stderr.write(line + '\n'));
	const random = options.random ?? Math.random;
	const version = options.version;
	let faults = mergeFaults(HEALTHY, options.faults ?? {});
	const metrics = createEngineMetrics(version, POOL_SIZE);
	const cache = new Map<string, unknown>();
	let hits = 0;
	let misses = 0;
	let inflight = 0;
	let requestCount = 0;
	let errorCount = 0;
	const startedAt = Date.now();
	const effects = createFaultEffects({log, exit: options.exit ?? ((code) => process.exit(code)), random, memoryCapMb: options.memoryCapMb});
	// Flapping counts from when it was switched on (each start, for a restarted engine).
	let flapSince = Date.now();

	const started = performance.now();
	log(record('INFO', 'Startup: application starting', {version, pid: process.pid, python_version: 'lab'}));
	log(record('INFO', 'Startup: kernels loaded', {kernel_bundle: 'de440-1900', ephemeris: 'de440', spice_version: 'CSPICE_N0067'}));
	log(record('INFO', 'Startup: worker pool ready', {pool_size: POOL_SIZE, cache_max_entries: CACHE_MAX}));

	const hitRate = () => (hits + misses === 0 ? 0 : hits / (hits + misses));

	function healthBody(): {status: number; body: unknown} {
		if (faults.health === 'unhealthy' || flapUnhealthy(faults.healthFlapSec, Date.now() - flapSince)) {
			return {status: 503, body: {status: 'unhealthy', error: 'kernel bundle de440-1900 failed its checksum'}};
		}
		const degraded = faults.health === 'degraded';
		return {
			status: 200,
			body: {
				status: degraded ? 'degraded' : 'healthy',
				version,
				kernels: {ok: true, bundle: 'de440-1900', ephemeris: 'de440'},
				cache: {size: cache.size, max_entries: CACHE_MAX, hit_rate: Math.round(hitRate() * 1e4) / 1e4},
				pool: {size: POOL_SIZE, queue_depth: Math.max(0, inflight - POOL_SIZE), healthy: !degraded, active: Math.min(inflight, POOL_SIZE)},
				metrics: {requests_total: requestCount, errors_total: errorCount, uptime_s: Math.round((Date.now() - startedAt) / 100) / 10},
			},
		};
	}

	function cacheLookup(key: string, compute: () => unknown): {value: unknown; hit: boolean} {
		const found = cache.get(key);
		if (found !== undefined) {
			// Map order is insertion order: re-insert to keep the most recent last (LRU).
			cache.delete(key);
			cache.set(key, found);
			hits++;
			metrics.cacheOps.inc({operation: 'hit'});
			return {value: found, hit: true};
		}
		misses++;
		metrics.cacheOps.inc({operation: 'miss'});
		const value = compute();
		cache.set(key, value);
		metrics.cacheOps.inc({operation: 'set'});
		if (cache.size > CACHE_MAX) {
			cache.delete(cache.keys().next().value as string);
			metrics.cacheOps.inc({operation: 'evict'});
		}
		return {value, hit: false};
	}

	async function positions(req: IncomingMessage, requestId: string): Promise<{status: number; body: unknown}> {
		const parsed = parsePositionsRequest(await readBody(req));
		if (!parsed.ok) {
			const e = parsed.error;
			metrics.errors.inc({error_code: e.code, error_category: e.category});
			log(record('WARNING', `Request rejected: ${e.code} - ${e.title}`, {request_id: requestId, error_code: e.code, error_title: e.title, status_code: e.status, validation_errors: e.validationErrors}));
			return {status: e.status, body: {error: {code: e.code, title: e.title}}};
		}
		const {value, hit} = cacheLookup(parsed.key, () => computePositions(parsed.request, version));
		metrics.positions.inc({cache_hit: String(hit), ephemeris: 'de440', system: parsed.request.system});
		await sleep(serviceTimeMs(faults, hit, random));
		if (random() < faults.errorRate) {
			errorCount++;
			const pick = Math.floor(random() * 3);
			if (pick === 2) {
				metrics.errors.inc({error_code: 'POOL.TIMEOUT', error_category: 'POOL'});
				log(record('ERROR', 'Request failed: POOL.TIMEOUT - Worker did not answer in time', {request_id: requestId, error_code: 'POOL.TIMEOUT', status_code: 503, timeout_s: 2.0}));
				return {status: 503, body: {error: {code: 'POOL.TIMEOUT', title: 'Worker did not answer in time'}}};
			}
			const tb = traceback(pick);
			metrics.errors.inc({error_code: 'INTERNAL.UNEXPECTED', error_category: 'INTERNAL'});
			log(record('ERROR', `Unhandled error: ${tb.error}`, {request_id: requestId, error_code: 'INTERNAL.UNEXPECTED', status_code: 500, exception: tb.text}));
			return {status: 500, body: {error: {code: 'INTERNAL.UNEXPECTED', title: 'Internal error'}}};
		}
		if (faults.errorMessage && random() < faults.errorMessage.rate) {
			log(record('ERROR', faults.errorMessage.text, {request_id: requestId, error_code: 'INTERNAL.HANDLED', system: parsed.request.system}));
		}
		return {status: 200, body: shiftLongitudes(value, faults.longitudeShiftDeg)};
	}

	async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<Answer | null> {
		const path = (req.url ?? '/').split('?')[0];
		if (path === '/healthz' && req.method === 'GET') return healthBody();
		if (path === '/metrics' && req.method === 'GET') {
			if (faults.slowMetricsMs > 0) await sleep(faults.slowMetricsMs);
			metrics.cacheSize.set(cache.size);
			metrics.cacheHitRate.set(hitRate());
			metrics.queueSize.set(Math.max(0, inflight - POOL_SIZE));
			return {status: 200, body: null, text: await metrics.registry.metrics(), type: metrics.registry.contentType};
		}
		if (path === '/v1/positions' && req.method === 'POST') return positions(req, requestId);
		if (path === '/__lab/stats' && req.method === 'GET' && options.lineStats) {
			// Lab control like /__lab/faults: neither counted nor logged, so reading it adds no line.
			send(res, requestId, 200, options.lineStats());
			return null;
		}
		if (path === '/__lab/faults') {
			// The lab's own control endpoint: not part of the engine, so neither counted nor logged.
			if (req.method === 'POST') {
				try {
					const patch = parseFaultsPatch(JSON.parse((await readBody(req)) || 'null'));
					send(res, requestId, 200, handle.setFaults(patch));
				} catch (error) {
					send(res, requestId, 400, {error: error instanceof FaultsError ? error.message : 'body must be JSON'});
				}
			} else send(res, requestId, 200, faults);
			return null;
		}
		return {status: 404, body: {detail: 'Not Found'}};
	}

	function send(res: ServerResponse, requestId: string, status: number, body: unknown, text?: string, type?: string): void {
		const payload = text ?? JSON.stringify(body);
		res.writeHead(status, {
			'content-type': type ?? 'application/json',
			'content-length': Buffer.byteLength(payload),
			'x-request-id': requestId,
		});
		res.end(payload);
	}

	const server = createServer((req, res) => {
		const requestId = randomUUID();
		const t0 = performance.now();
		const path = (req.url ?? '/').split('?')[0];
		const isPositions = path === '/v1/positions';
		// The draw only when the fault is on: a seeded lab without it keeps its sequence.
		if (isPositions && faults.abortRate > 0 && random() < faults.abortRate) {
			req.socket.destroy();
			return;
		}
		if (isPositions) inflight++;
		route(req, res, requestId)
			.catch((): Answer => ({status: 500, body: {detail: 'Internal Server Error'}}))
			.then((answer) => {
				if (isPositions) inflight--;
				if (answer === null) return;
				send(res, requestId, answer.status, answer.body, answer.text, answer.type);
				const seconds = (performance.now() - t0) / 1000;
				// Unknown paths share one label value, so a scanner cannot blow up the series count.
				const endpoint = ['/healthz', '/metrics', '/v1/positions'].includes(path) ? path : 'unmatched';
				const method = req.method ?? 'GET';
				requestCount++;
				metrics.requests.inc({method, endpoint, status_code: String(answer.status)});
				metrics.duration.observe({method, endpoint}, seconds);
				log(record('INFO', 'HTTP request processed', {request_id: requestId, method, path: endpoint === 'unmatched' ? path.slice(0, 200) : path, status_code: answer.status, duration_ms: Math.round(seconds * 1e5) / 100, user_agent: String(req.headers['user-agent'] ?? '').slice(0, 200)}));
				if (random() < 0.02) stderr(uvicornAccess(`${req.socket.remoteAddress ?? '127.0.0.1'}:${req.socket.remotePort ?? 0}`, method, path.slice(0, 200), answer.status));
			});
	});
	server.keepAliveTimeout = 5000; // uvicorn's default

	const handle: EngineHandle = {
		port: 0,
		url: '',
		faults: () => faults,
		setFaults(patch) {
			faults = mergeFaults(faults, patch);
			if ('healthFlapSec' in patch) flapSince = Date.now();
			effects.apply(faults, patch);
			return faults;
		},
		async close() {
			effects.stop();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address() as AddressInfo;
	handle.port = address.port;
	handle.url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
	effects.apply(faults, faults);
	log(record('INFO', 'Startup: application ready', {version, startup_ms: Math.round((performance.now() - started) * 100) / 100}));
	stderr(`INFO:     Started server process [${process.pid}]`);
	stderr('INFO:     Waiting for application startup.');
	stderr('INFO:     Application startup complete.');
	stderr(`INFO:     Uvicorn running on http://${options.host ?? '127.0.0.1'}:${address.port} (Press CTRL+C to quit)`);
	return handle;
}
