// Metric and label names are configuration: the default matches the Involution Engine's
// /metrics page; the second follows the common http_* convention other services use.

export interface MetricProfile {
	name: string;
	description: string;
	requests: {
		/** Counter sample name, e.g. `involution_requests_total`. */
		metric: string;
		/** Label(s) holding the HTTP status; the first one present on a series is used. */
		statusLabels: string[];
		/** Label(s) holding the endpoint; the first one present on a series is used. */
		endpointLabels: string[];
	};
	duration: {
		/** Histogram base name (without `_bucket`), in seconds. */
		metric: string;
		endpointLabels: string[];
	};
	/** The engine's own error counter, when it has one. */
	errors: {metric: string} | null;
	cacheOps: {metric: string; opLabel: string; hit: string; miss: string} | null;
	/** Gauges the engine reports about itself (0..1 hit rate, requests waiting). */
	gauges: {cacheHitRate: string | null; queueSize: string | null};
	/** Endpoints left out of traffic figures: the console's own polling must not count. */
	excludedEndpoints: string[];
	/** Info metric sample names to try in order, and the label holding the version. */
	info: {metrics: string[]; versionLabel: string} | null;
}

export const DEFAULT_EXCLUDED_ENDPOINTS: readonly string[] = ['/healthz', '/metrics'];

export const INVOLUTION_PROFILE: MetricProfile = {
	name: 'involution',
	description: 'Involution Engine (prometheus_client, involution_* metrics)',
	requests: {metric: 'involution_requests_total', statusLabels: ['status_code'], endpointLabels: ['endpoint']},
	duration: {metric: 'involution_request_duration_seconds', endpointLabels: ['endpoint']},
	errors: {metric: 'involution_errors_total'},
	cacheOps: {metric: 'involution_cache_operations_total', opLabel: 'operation', hit: 'hit', miss: 'miss'},
	gauges: {cacheHitRate: 'involution_cache_hit_rate', queueSize: 'involution_worker_pool_queue_size'},
	excludedEndpoints: [...DEFAULT_EXCLUDED_ENDPOINTS],
	// prometheus_client exposes Info('involution_system') as `involution_system_info_info`.
	info: {metrics: ['involution_system_info_info', 'involution_system_info'], versionLabel: 'version'},
};

export const HTTP_PROFILE: MetricProfile = {
	name: 'http',
	description: 'Common convention: http_requests_total{code|status}, http_request_duration_seconds',
	requests: {
		metric: 'http_requests_total',
		statusLabels: ['code', 'status', 'status_code'],
		endpointLabels: ['handler', 'path', 'endpoint', 'route'],
	},
	duration: {metric: 'http_request_duration_seconds', endpointLabels: ['handler', 'path', 'endpoint', 'route']},
	errors: null,
	cacheOps: null,
	gauges: {cacheHitRate: null, queueSize: null},
	excludedEndpoints: [...DEFAULT_EXCLUDED_ENDPOINTS],
	info: {metrics: ['build_info', 'app_info', 'version_info'], versionLabel: 'version'},
};

const PROFILES: Record<string, MetricProfile> = {involution: INVOLUTION_PROFILE, http: HTTP_PROFILE};

export const PROFILE_NAMES: readonly string[] = Object.keys(PROFILES);

export function getProfile(name: string): MetricProfile | undefined {
	return Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
}

/** The value of the first of `names` present in `labels`. */
export function pickLabel(labels: Record<string, string>, names: readonly string[]): string | undefined {
	for (const name of names) if (Object.hasOwn(labels, name)) return labels[name];
	return undefined;
}
