// What a split sample is and how the core asks for one: the port the HTTP sampler
// (split-sampler.ts) implements. Sampling itself is network I/O and lives behind it.

import type {RolesConfig} from '../../domain/replicas.ts';
import type {Split} from '../../domain/upstream.ts';

export type Role = 'stable' | 'canary';

export interface SampleOptions {
	/** Balancer base URL, e.g. http://127.0.0.1:8080 */
	url: string;
	/** Requests to send; default 200. */
	n?: number;
	roles: RolesConfig;
	/** 'header' reads X-Upstream only, 'version' reads /healthz JSON only; default: header, else version. */
	attribute?: 'header' | 'version';
	/** The engines' versions; read from `versionUrls` when left out. */
	versions?: {stable: string | null; canary: string | null};
	/** Each engine's own base URL (bypassing the balancer): its /healthz names its version. */
	versionUrls?: {stable: string; canary: string};
	/** Extra X-Upstream addresses, e.g. container IPs: nginx reports resolved addresses, not names. */
	aliases?: Record<string, Role>;
	/** Path to GET; default /healthz (the engine already leaves it out of its figures). */
	path?: string;
	/** Parallel keep-alive connections; default 4. */
	concurrency?: number;
	/** Per request; default 2000 ms. */
	timeoutMs?: number;
	signal?: AbortSignal;
}

export type SampleMethod = 'X-Upstream' | 'version' | 'X-Upstream+version' | 'none';

export interface SplitSample {
	n: number;
	stable: number;
	canary: number;
	/** Answered, but neither the header nor the version told which engine. */
	unknown: number;
	errors: number;
	/** Wall time of the whole sample. */
	ms: number;
	/** Percent of the attributed answers; both 0 when nothing was attributed. */
	observed: {stable: number; canary: number};
	/** Canary share in percent, 99 % Wilson interval over the attributed answers. */
	interval: {low: number; high: number} | null;
	/** What told the engines apart: the header, the version in the body, both, or nothing. */
	method: SampleMethod;
	/** Answers attributed (stable + canary) and answers that could not be (unknown). */
	attributed?: number;
	unattributed?: number;
	/** The versions the engines reported on their own URLs, when read. */
	versions?: {stable: string | null; canary: string | null};
	/** Answers per replica (S1, C2, ...) by X-Upstream, when a role runs several. */
	replicas?: Record<string, number>;
	/** Why answers could not be attributed, when some could not. */
	attributionProblem?: string;
	/** The first error message, for the screen. */
	firstError?: string;
}

export interface VerifyOptions extends Omit<SampleOptions, 'timeoutMs'> {
	split: Split;
	/** Give up after this long; default 10 000 ms (a reload is asynchronous: early samples can show old weights). */
	timeoutMs?: number;
	requestTimeoutMs?: number;
	/** Pause between samples; default 300 ms. */
	pauseMs?: number;
	now?: () => number;
	sleep?: (ms: number) => Promise<void>;
	/** The sampler; default sampleSplit. */
	sample?: (options: SampleOptions) => Promise<SplitSample>;
}

export interface VerifyResult {
	verified: boolean;
	sample: SplitSample;
	attempts: number;
	reason: string;
}

/** Samples the split the balancer serves. */
export interface SplitSampler {
	/** One sample of N requests. */
	sample(options: SampleOptions): Promise<SplitSample>;
	/** Samples until the traffic follows options.split or the timeout passes. */
	verify(options: VerifyOptions): Promise<VerifyResult>;
}
