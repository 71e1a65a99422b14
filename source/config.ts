import {readFileSync} from 'node:fs';
import {DEFAULT_STAGES, type Split} from './domain/upstream.ts';
import type {RolesConfig} from './domain/replicas.ts';
import {DEFAULT_THRESHOLDS, type Thresholds} from './domain/verdict.ts';
import {configSchema} from './config-schema.ts';
import type {DriftRules} from './domain/drift.ts';

export interface ProbeRequest {
	name: string;
	method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';
	path: string;
	body?: unknown;
	/** Only idempotent requests are repeated (sent by the timer). */
	idempotent: boolean;
}
import {describeIssues} from './config-errors.ts';
import {DEFAULT_PROMETHEUS, type PrometheusConfig} from './config-metrics.ts';

// One typed config: the guide's names and ports as defaults, then a JSON config file,
// then the environment, then flags. Checked once against the schema (config-schema.ts), with
// messages that name the key and what it allows.

export interface Config {
	/** Metric and label names: 'involution' (default) or 'http'. */
	profile: string;
	urls: {balancer: string; stable: string; canary: string};
	upstream: string;
	/** Server address of each engine inside the upstream block, or a list of replicas per role (replicas.ts). */
	roles: RolesConfig;
	docker: {
		names: {stable: string; canary: string; nginx: string; redis: string; services: string[]};
		nginxConfig: {host: string; container: string};
	};
	/** The Redis both engines use: polled over its published port. */
	redis: {url: string; latencyWarnMs: number};
	/** A/B probes sent to both engines, and the rules their answers are compared by. */
	probes: {intervalSec: number; requests: ProbeRequest[]} & DriftRules;
	stages: Split[];
	/** Minimum soak per stage in minutes (the guide: 2-4 h). */
	soakMinutes: number;
	pollIntervalMs: number;
	/** Window the figures and the verdict are computed over. */
	windowSec: number;
	/** How often a verdict is recorded against the failure budget. */
	analysisIntervalSec: number;
	thresholds: Thresholds;
	/** Requests per split sample. */
	sampleSize: number;
	verifyTimeoutMs: number;
	/** Audit log, lock, backups and saved logs of this deployment; '' until resolved (state-dir.ts). */
	stateDir: string;
	/** '' means audit.jsonl in the state directory. */
	auditPath: string;
	/** Backups of the nginx config kept in the state directory. */
	backupsKept: number;
	/** Change weights even when the audit log cannot be written. */
	allowNoAudit: boolean;
	logBuffer: number;
	maxFps: number;
	/** Minutes of history the sparklines show. */
	historyMinutes: number;
	/** Where the metric figures come from: each engine's /metrics, or Prometheus. */
	metrics: {prometheus: PrometheusConfig};
}

export const DEFAULT_CONFIG: Config = {
	profile: 'involution',
	urls: {balancer: 'http://localhost:8080', stable: 'http://localhost:8081', canary: 'http://localhost:8082'},
	upstream: 'involution_engine',
	roles: {stable: 'engine-stable:8080', canary: 'engine-canary:8080'},
	docker: {
		names: {
			stable: 'engine-stable',
			canary: 'engine-canary',
			nginx: 'nginx-canary',
			redis: 'redis-canary',
			services: ['nginx-canary', 'redis-canary', 'time-resolver-canary'],
		},
		nginxConfig: {host: 'ops/nginx/canary.conf', container: '/etc/nginx/conf.d/default.conf'},
	},
	redis: {url: 'redis://localhost:6379', latencyWarnMs: 50},
	probes: {
		intervalSec: 30,
		requests: [
			{name: 'healthz', method: 'GET', path: '/healthz', idempotent: true},
			{name: 'positions', method: 'POST', path: '/v1/positions', body: {when: {utc: '2024-03-20T12:00:00Z'}, system: 'tropical', bodies: ['Sun', 'Moon', 'Mars']}, idempotent: true},
		],
		ignore: ['**.request_id', '**.timestamp', '**.version', 'meta', 'cache', 'pool', 'metrics', 'kernels', '**.uptime_seconds'],
		tolerance: {abs: 1e-9, rel: 1e-6},
		tolerances: {},
	},
	stages: DEFAULT_STAGES,
	soakMinutes: 120,
	pollIntervalMs: 2000,
	windowSec: 60,
	analysisIntervalSec: 30,
	thresholds: DEFAULT_THRESHOLDS,
	sampleSize: 200,
	verifyTimeoutMs: 10_000,
	stateDir: '',
	auditPath: '',
	backupsKept: 20,
	allowNoAudit: false,
	logBuffer: 20_000,
	maxFps: 10,
	historyMinutes: 60,
	metrics: {prometheus: DEFAULT_PROMETHEUS},
};

export class ConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ConfigError';
	}
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars replace. */
function merge<T>(base: T, override: unknown): T {
	if (!isObject(override) || !isObject(base)) return (override === undefined ? base : override) as T;
	const out: Json = {...(base as Json)};
	for (const [key, value] of Object.entries(override)) {
		if (value === undefined) continue;
		out[key] = key in out ? merge(out[key], value) : value;
	}
	return out as T;
}

export function readConfigFile(path: string): Json {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
	}
	try {
		const parsed: unknown = JSON.parse(text);
		if (!isObject(parsed)) throw new Error('the top level must be a JSON object');
		return parsed;
	} catch (error) {
		throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}. Fix the file or leave out --config.`);
	}
}

/** Reads CANARY_CONSOLE_* variables: the settings people change per host. */
export function configFromEnv(env: NodeJS.ProcessEnv): Json {
	const out: Json = {};
	const urls: Json = {};
	if (env.CANARY_CONSOLE_BALANCER_URL) urls.balancer = env.CANARY_CONSOLE_BALANCER_URL;
	if (env.CANARY_CONSOLE_STABLE_URL) urls.stable = env.CANARY_CONSOLE_STABLE_URL;
	if (env.CANARY_CONSOLE_CANARY_URL) urls.canary = env.CANARY_CONSOLE_CANARY_URL;
	if (Object.keys(urls).length > 0) out.urls = urls;
	if (env.CANARY_CONSOLE_AUDIT) out.auditPath = env.CANARY_CONSOLE_AUDIT;
	if (env.CANARY_CONSOLE_STATE_DIR) out.stateDir = env.CANARY_CONSOLE_STATE_DIR;
	if (env.CANARY_CONSOLE_NGINX_CONFIG) out.docker = {nginxConfig: {host: env.CANARY_CONSOLE_NGINX_CONFIG}};
	if (env.CANARY_CONSOLE_PROMETHEUS_URL) out.metrics = {prometheus: {url: env.CANARY_CONSOLE_PROMETHEUS_URL}};
	return out;
}

export function buildConfig(layers: unknown[]): Config {
	let merged: unknown = DEFAULT_CONFIG;
	for (const layer of layers) merged = merge(merged, layer);
	const result = configSchema.safeParse(merged);
	if (!result.success) throw new ConfigError(describeIssues(result.error.issues, merged));
	return result.data as Config;
}
