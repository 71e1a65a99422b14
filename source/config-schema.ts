import {z} from 'zod';
import {parseSplit, type Split} from './domain/upstream.ts';
import {PROFILE_NAMES} from './domain/profiles.ts';
import {metricsSchema} from './config-metrics.ts';
import {rolesProblems} from './domain/replicas.ts';
import {allow, allowedText, atLeast0, httpUrl, percent, positive, text, whole, num} from './config-schema-kit.ts';
import {role, walkAs} from './config-roles.ts';

// The config file's schema: every key, its type, its range and one line of documentation.
// Validation (config.ts) and the README's configuration table (config-docs.ts) both read it,
// so the documented keys and the accepted keys cannot drift apart.

const SPLIT_TEXT = 'a split "stable/canary" of whole percentages adding up to 100, e.g. "90/10"';

/** A stage as "90/10" or {"stable": 90, "canary": 10}; both numbers whole, adding up to 100. */
const split = allow(
	z.union([z.string(), z.object({stable: z.number(), canary: z.number()}).strict()]).transform((value, ctx): Split => {
		const parsed = parseSplit(typeof value === 'string' ? value : `${value.stable}/${value.canary}`);
		if ('error' in parsed) {
			ctx.addIssue({code: z.ZodIssueCode.custom, message: parsed.error});
			return z.NEVER;
		}
		return parsed;
	}),
	SPLIT_TEXT,
);

const thresholds = z
	.object({
		p95WarnMs: positive('Canary p95 latency above this (ms): WARN (the guide: target < 200 ms).'),
		p95FailMs: positive('Canary p95 latency above this (ms): FAIL (the guide: alert > 300 ms).'),
		p95RelativeWarnPct: atLeast0('Canary p95 worse than stable by more than this percentage and p95RelativeWarnMs: WARN.'),
		p95RelativeWarnMs: atLeast0('...and by more than this many ms (both must hold).'),
		p95RelativeFailPct: atLeast0('Canary p95 worse than stable by more than this percentage and p95RelativeFailMs: FAIL.'),
		p95RelativeFailMs: atLeast0('...and by more than this many ms (both must hold).'),
		ratio5xxWarnPct: percent('Canary 5xx share of requests above this percentage: WARN (the guide: < 0.1 %).'),
		ratio5xxFailPct: percent('Canary 5xx share above this percentage: FAIL (the guide: alert > 0.5 %).'),
		pWarn: allow(num('Exact test of the canary\'s 5xx against stable\'s: a p-value below this WARNs.').gt(0).lt(1), 'a probability between 0 and 1'),
		pFail: allow(num('...below this FAILs.').gt(0).lt(1), 'a probability between 0 and 1'),
		minEvents: whole('Events (5xx answers, lines of one log pattern) before a rate FAILs or a pattern is NEW.', 1),
		healthFailPct: percent('Share of the window\'s /healthz probes that failed before health FAILs.'),
		restartsWarn: whole('Canary exits (restarts) in the window that WARN.', 1),
		restartsFail: whole('Canary exits in the window that FAIL (a crash loop); an OOM kill always FAILs.', 1),
		cacheWarmupLookups: whole('Cache lookups since the canary started before its hit rate is compared with stable\'s.', 0),
		zWarn: positive('z of the cache hit-rate drop that beats chance.'),
		minRequests: whole('Canary requests in the window before latency, 5xx or cache are judged at all.', 1),
		memoryWarnPct: percent('Memory use in percent of the container limit above this: WARN.'),
		memoryFailPct: percent('...above this: FAIL (the guide: alert > 80 %).'),
		cacheDropWarnPts: percent('Canary cache hit rate this many points below stable: WARN.'),
		newPatternWarnPer1k: atLeast0('A log pattern new in the canary at more than this per 1,000 requests: WARN.'),
		failureBudget: whole('Consecutive failed analysis windows of one check before the verdict says ROLL BACK.', 1, 100),
		replicaP95Ms: atLeast0('Replicas: a replica whose p95 is above its siblings\' median by more than this many ms and replicaP95Pct is an outlier (WARN, named).'),
		replicaP95Pct: atLeast0('...and by more than this percentage of that median (the larger of the two counts).'),
		replica5xxPts: percent('Replicas: a 5xx share this many points above the siblings\' median is an outlier.'),
		replicaMinRequests: whole('Requests a replica serves in the window before it is compared with its siblings.', 1),
	})
	.strict()
	.describe('Verdict thresholds; keys left out keep their defaults.');

/** Pairs whose warning level must not lie above their failure level. */
const WARN_FAIL: readonly [keyof z.infer<typeof thresholds>, keyof z.infer<typeof thresholds>][] = [
	['p95WarnMs', 'p95FailMs'],
	['p95RelativeWarnPct', 'p95RelativeFailPct'],
	['p95RelativeWarnMs', 'p95RelativeFailMs'],
	['ratio5xxWarnPct', 'ratio5xxFailPct'],
	['restartsWarn', 'restartsFail'],
	['memoryWarnPct', 'memoryFailPct'],
];

const shape = {
	profile: allow(
		z
			.string()
			.refine((value) => PROFILE_NAMES.includes(value), 'unknown profile')
			.describe('Metric and label names the engines expose: involution (the engine) or http (generic http_* names).'),
		`one of ${PROFILE_NAMES.join(', ')}`,
	),
	urls: z
		.object({
			balancer: httpUrl('nginx, where the split is sampled.'),
			stable: httpUrl('The stable engine, polled for /healthz and /metrics.'),
			canary: httpUrl('The canary engine, polled for /healthz and /metrics.'),
		})
		.strict()
		.describe('Where the console reaches the balancer and the two engines.'),
	upstream: allow(
		z
			.string()
			.regex(/^[^\s{};]+$/, 'not an nginx upstream name')
			.describe('Name of the upstream block that holds the two engines.'),
		'an nginx upstream name (no spaces, braces or semicolons)',
	),
	roles: z
		.object({
			stable: role('stable'),
			canary: role('canary'),
		})
		.strict()
		.describe('Which server lines of the upstream are which engine: one address per role, or a list of replicas per role.'),
	docker: z
		.object({
			names: z
				.object({
					stable: text('Container of the stable engine.', 'a container name'),
					canary: text('Container of the canary engine.', 'a container name'),
					nginx: text('Container of nginx (restarted by R when its config file is detached).', 'a container name'),
					services: allow(z.array(z.string().min(1)).describe('Other containers shown in the header.'), 'a list of container names'),
					redis: text('Container of Redis (its redis-cli is the fallback when redis.url does not answer; restarted by the emergency action).', 'a container name'),
				})
				.strict(),
			nginxConfig: z
				.object({
					host: text('The nginx config file holding the upstream, on this host; it also names the deployment (state directory).', 'a file path'),
					container: text('Where nginx sees it when its mounts do not tell.', 'a path inside the container'),
				})
				.strict(),
		})
		.strict()
		.describe('Container names and the nginx config file.'),
	redis: z
		.object({
			url: allow(
				z
					.string()
					.refine((value) => {
						try {
							return new URL(value).protocol === 'redis:';
						} catch {
							return false;
						}
					}, 'not a redis:// URL')
					.describe('Redis as published on this host (the guide\'s redis-canary), polled with PING and INFO.'),
				'a redis:// URL, e.g. redis://localhost:6379',
			),
			latencyWarnMs: positive('Redis PING slower than this (ms): WARN.'),
		})
		.strict()
		.describe('The Redis both engines use.'),
	probes: z
		.object({
			intervalSec: positive('How often the idempotent A/B probes are sent to both engines (s).'),
			requests: allow(
				z
					.array(
						z
							.object({
								name: z.string().min(1),
								method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']),
								path: z.string().regex(/^\//, 'must start with /'),
								body: z.unknown().optional(),
								idempotent: z.boolean(),
							})
							.strict(),
					)
					.describe('The A/B probe set, sent through the balancer\'s /stable/ and /canary/ routes, or to each engine directly when those routes do not exist. Only requests marked idempotent are sent more than once (by the timer); the others only on the key.'),
				'a list of {"name", "method", "path", "body"?, "idempotent"}',
			),
			ignore: allow(z.array(z.string().min(1)).describe('Field paths never compared (volatile: ids, timestamps, versions); `*` is one key, `**` any depth, array indices left out.'), 'a list of field path patterns'),
			tolerance: z
				.object({
					abs: atLeast0('Numbers may differ by this much...'),
					rel: atLeast0('...or by this share of the larger value (0.001 = 0.1 %).'),
				})
				.strict(),
			tolerances: allow(
				z.record(z.object({abs: z.number().min(0), rel: z.number().min(0)}).strict()).describe('Per field path pattern, tolerances that override probes.tolerance, e.g. {"positions.longitude": {"abs": 0.0001, "rel": 0}}.'),
				'an object: path pattern -> {"abs", "rel"}',
			),
		})
		.strict()
		.describe('A/B probes and response drift.'),
	stages: allow(z.array(split).min(1).describe('The rollout stages p (promote) walks through.'), 'a list of one or more splits "stable/canary" of whole percentages adding up to 100, e.g. ["90/10", "50/50", "0/100"]'),
	soakMinutes: atLeast0('Minimum soak per stage in minutes before automatic promotion (the guide: 2-4 h).'),
	pollIntervalMs: positive('How often the engines are polled (ms).'),
	windowSec: positive('Window the figures and the verdict are computed over (s); at least two polls.'),
	analysisIntervalSec: positive('How often a verdict is counted against the failure budget (s).'),
	thresholds,
	sampleSize: whole('Requests per split sample.', 1, 100_000),
	verifyTimeoutMs: positive('How long a change samples the split before it says NOT VERIFIED (ms).'),
	stateDir: allow(
		z.string().describe('Directory for the audit log, lock, backups and saved logs of this deployment. Empty: `~/.local/state/canary-console/<deployment>` (`$XDG_STATE_HOME` honoured).'),
		'a directory path, or empty for the default',
	),
	auditPath: allow(z.string().describe('The audit log (JSON lines). Empty: `audit.jsonl` in the state directory.'), 'a file path, or empty for the default'),
	backupsKept: whole('Backups of the nginx config kept in the state directory (the oldest go first).', 1, 10_000),
	allowNoAudit: allow(z.boolean().describe('Change weights even when the audit log cannot be written (--allow-no-audit).'), 'true or false'),
	logBuffer: whole('Log events kept in memory for the log view.', 1, 10_000_000),
	maxFps: positive('Most frames drawn per second.'),
	historyMinutes: positive('Minutes of history kept in memory: the charts\' longest span and how far `[` `{` step the overview back (one frame per poll: at most 12 MB an hour at a 2 s poll).'),
	metrics: metricsSchema,
};

export const configSchema = z
	.object(shape)
	.strict()
	.superRefine((config, ctx) => {
		for (const problem of rolesProblems(config.roles)) ctx.addIssue({code: z.ZodIssueCode.custom, path: problem.path, message: problem.message});
		if (config.windowSec * 1000 < config.pollIntervalMs * 2) {
			ctx.addIssue({
				code: z.ZodIssueCode.custom,
				path: ['windowSec'],
				message: `windowSec (${config.windowSec}) must cover at least two polls of pollIntervalMs (${config.pollIntervalMs}): ${(config.pollIntervalMs * 2) / 1000} or more`,
			});
		}
		for (const [warn, fail] of WARN_FAIL) {
			if (config.thresholds[warn] > config.thresholds[fail]) {
				ctx.addIssue({
					code: z.ZodIssueCode.custom,
					path: ['thresholds', warn],
					message: `thresholds.${warn} (${config.thresholds[warn]}) must not be above thresholds.${fail} (${config.thresholds[fail]})`,
				});
			}
		}
	});

/** The object schema under its refinements (the README walks it). */
export const configShape = z.object(shape).strict();

/** The allowed values of a schema, in words. */
export function allowedOf(schema: z.ZodTypeAny): string {
	const own = allowedText.get(schema);
	if (own) return own;
	if (schema instanceof z.ZodNumber) return numberText(schema);
	if (schema instanceof z.ZodBoolean) return 'true or false';
	if (schema instanceof z.ZodString) return 'text';
	if (schema instanceof z.ZodObject) return `an object with the keys ${Object.keys(schema.shape as object).join(', ')}`;
	if (schema instanceof z.ZodEffects) return allowedOf(schema.innerType());
	if (schema instanceof z.ZodOptional) return allowedOf(schema.unwrap());
	return 'see README: Configuration';
}

function numberText(schema: z.ZodNumber): string {
	let low: string | null = null;
	let high: string | null = null;
	let kind = 'a number';
	for (const check of schema._def.checks) {
		if (check.kind === 'int') kind = 'a whole number';
		if (check.kind === 'min') low = check.inclusive ? `${check.value}` : `above ${check.value}`;
		if (check.kind === 'max') high = `${check.value}`;
	}
	if (low !== null && high !== null) return low.startsWith('above') ? `${kind} ${low}, at most ${high}` : `${kind} from ${low} to ${high}`;
	if (low !== null) return low.startsWith('above') ? `${kind} ${low}` : `${kind}, ${low} or more`;
	return kind;
}

/** The schema at a key path (object keys and array items), or null when the path leaves it. */
export function schemaAt(path: readonly (string | number)[]): z.ZodTypeAny | null {
	let schema: z.ZodTypeAny = configShape;
	for (const part of path) {
		schema = walkAs.get(schema) ?? schema;
		while (schema instanceof z.ZodEffects || schema instanceof z.ZodOptional) schema = schema instanceof z.ZodOptional ? schema.unwrap() : schema.innerType();
		if (schema instanceof z.ZodObject && typeof part === 'string') {
			const next = (schema.shape as Record<string, z.ZodTypeAny>)[part];
			if (!next) return null;
			schema = next;
		} else if (schema instanceof z.ZodArray && typeof part === 'number') {
			schema = schema.element;
		} else {
			return null;
		}
	}
	return schema;
}

/** Every leaf key as a dotted path with its schema, in schema order (objects are walked into). */
export function leafKeys(schema: z.ZodTypeAny = configShape, prefix = ''): {key: string; schema: z.ZodTypeAny}[] {
	const out: {key: string; schema: z.ZodTypeAny}[] = [];
	for (const [name, child] of Object.entries(schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodTypeAny>) : {})) {
		const key = prefix ? `${prefix}.${name}` : name;
		if (child instanceof z.ZodObject) out.push(...leafKeys(child, key));
		else out.push({key, schema: child});
	}
	return out;
}
