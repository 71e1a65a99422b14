// The engine's /metrics page: the names, labels and buckets of the real Involution Engine
// (Python prometheus_client), exposed with prom-client on a registry of its own so several
// engines can live in one process (tests) without sharing counters.

import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

export const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export interface EngineMetrics {
	registry: Registry;
	requests: Counter<'method' | 'endpoint' | 'status_code'>;
	duration: Histogram<'method' | 'endpoint'>;
	errors: Counter<'error_code' | 'error_category'>;
	positions: Counter<'cache_hit' | 'ephemeris' | 'system'>;
	cacheOps: Counter<'operation'>;
	cacheHitRate: Gauge;
	cacheSize: Gauge;
	poolSize: Gauge;
	queueSize: Gauge;
}

export function createEngineMetrics(version: string, poolSize: number): EngineMetrics {
	const registry = new Registry();
	const registers = [registry];
	const m: EngineMetrics = {
		registry,
		requests: new Counter({name: 'involution_requests_total', help: 'Total HTTP requests', labelNames: ['method', 'endpoint', 'status_code'], registers}),
		duration: new Histogram({
			name: 'involution_request_duration_seconds',
			help: 'HTTP request duration in seconds',
			labelNames: ['method', 'endpoint'],
			buckets: DURATION_BUCKETS,
			registers,
		}),
		positions: new Counter({
			name: 'involution_positions_calculated_total',
			help: 'Total position calculations',
			labelNames: ['cache_hit', 'ephemeris', 'system'],
			registers,
		}),
		errors: new Counter({name: 'involution_errors_total', help: 'Total errors by code', labelNames: ['error_code', 'error_category'], registers}),
		cacheOps: new Counter({name: 'involution_cache_operations_total', help: 'Cache operations', labelNames: ['operation'], registers}),
		cacheSize: new Gauge({name: 'involution_cache_size_entries', help: 'Number of entries in the positions cache', registers}),
		cacheHitRate: new Gauge({name: 'involution_cache_hit_rate', help: 'Cache hit rate (0-1)', registers}),
		poolSize: new Gauge({name: 'involution_worker_pool_size', help: 'Worker pool size', registers}),
		queueSize: new Gauge({name: 'involution_worker_pool_queue_size', help: 'Requests waiting for a worker', registers}),
	};
	// prom-client has no Info type; Python's Info('involution_system_info') is exposed as a
	// gauge named with the `_info` suffix and value 1, so we write exactly that.
	const info = new Gauge({
		name: 'involution_system_info_info',
		help: 'System information',
		labelNames: ['kernel_bundle', 'python_version', 'spice_version', 'version'],
		registers,
	});
	info.set({kernel_bundle: 'de440-1900', python_version: 'lab', spice_version: 'CSPICE_N0067', version}, 1);
	new Gauge({name: 'involution_app_start_time_seconds', help: 'Unix timestamp when the application started', registers}).set(Date.now() / 1000);
	m.poolSize.set(poolSize);
	m.queueSize.set(0);
	m.cacheSize.set(0);
	m.cacheHitRate.set(0);
	// process_resident_memory_bytes and friends, as the Python client's process collector gives.
	collectDefaultMetrics({register: registry});
	return m;
}
