import {z} from 'zod';

// The `metrics` part of the config: where the figures come from. Without a Prometheus URL every
// engine's /metrics is scraped directly; with one, every metric check is a PromQL query.
// Credentials are never config values: only the names of files that hold them, or the environment.

export interface PrometheusConfig {
	/** Prometheus' base URL; empty: scrape the engines directly. */
	url: string;
	/** A file holding the bearer token; CANARY_CONSOLE_PROMETHEUS_TOKEN overrides it. */
	bearerTokenFile: string;
	basicAuth: {username: string; passwordFile: string};
	/** PEM file of the CA that signed Prometheus' certificate. */
	caFile: string;
	/** Accept any certificate (a test server). */
	insecure: boolean;
	timeoutMs: number;
	/** Label names that tell a role and a replica apart in Prometheus. */
	labels: {role: string; replica: string};
	/** The role label's value for each role. */
	roleValues: {stable: string; canary: string};
	/** Extra label matchers every query carries, e.g. `job="engines"`. */
	selector: string;
	/** Gauge of the memory an engine uses, in bytes. */
	memoryMetric: string;
}

export const DEFAULT_PROMETHEUS: PrometheusConfig = {
	url: '',
	bearerTokenFile: '',
	basicAuth: {username: '', passwordFile: ''},
	caFile: '',
	insecure: false,
	timeoutMs: 5000,
	labels: {role: 'role', replica: 'replica'},
	roleValues: {stable: 'stable', canary: 'canary'},
	selector: '',
	memoryMetric: 'process_resident_memory_bytes',
};

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = (doc: string) => z.string().regex(LABEL, 'not a Prometheus label name').describe(doc);
const path = (doc: string) => z.string().describe(doc);

export const metricsSchema = z
	.object({
		prometheus: z
			.object({
				url: z
					.string()
					.refine((value) => {
						if (value === '') return true;
						try {
							const url = new URL(value);
							return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
						} catch {
							return false;
						}
					}, 'not an http:// URL without credentials')
					.describe('Prometheus base URL (CANARY_CONSOLE_PROMETHEUS_URL); set, every metric check is a PromQL query. Empty: each engine\'s /metrics is scraped.'),
				bearerTokenFile: path('File holding a bearer token for Prometheus; CANARY_CONSOLE_PROMETHEUS_TOKEN takes precedence. Empty: none.'),
				basicAuth: z
					.object({
						username: z.string().describe('Basic auth user for Prometheus. Empty: no basic auth.'),
						passwordFile: path('File holding the basic auth password; CANARY_CONSOLE_PROMETHEUS_PASSWORD takes precedence.'),
					})
					.strict(),
				caFile: path('PEM file of the CA that signed Prometheus\' certificate (https). Empty: the system\'s CAs.'),
				insecure: z.boolean().describe('Accept any certificate from Prometheus (test servers only).'),
				timeoutMs: z.number({invalid_type_error: 'not a number'}).finite().positive().describe('How long one PromQL query may take (ms).'),
				labels: z
					.object({
						role: labelName('Label whose value says the role of a series (see roleValues).'),
						replica: labelName('Label that names the replica (S1, C1...) or instance of a series.'),
					})
					.strict(),
				roleValues: z
					.object({
						stable: z.string().min(1).describe('Value of the role label on the stable engines\' series.'),
						canary: z.string().min(1).describe('Value of the role label on the canary engines\' series.'),
					})
					.strict(),
				selector: z
					.string()
					.regex(/^[^{}]*$/, 'label matchers without braces, e.g. job="engines"')
					.describe('Extra label matchers every query carries, without braces, e.g. job="engines",env="prod".'),
				memoryMetric: z.string().regex(METRIC, 'not a Prometheus metric name').describe('Gauge of an engine\'s memory use in bytes.'),
			})
			.strict(),
	})
	.strict()
	.describe('Where the metric figures come from.');
