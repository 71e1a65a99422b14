import type {EngineRole} from '../types.ts';
import type {Config} from '../../config.ts';
import type {Split} from '../../domain/upstream.ts';
import type {SplitSample, SplitSampler, VerifyResult} from '../change/split-sample.ts';

// The split the balancer really serves: sampled at start, on `s`, and after every change
// (then until it matches the new weights, or the timeout).

export class SplitWatch {
	observed: SplitSample | null = null;
	sampledAt: number | null = null;
	sampling = false;

	constructor(
		private readonly deps: {
			config: Config;
			/** HTTP through the balancer (adapters), or a test's own. */
			sampler: SplitSampler;
			aliases?: Record<string, EngineRole>;
			signal: AbortSignal;
			now: () => number;
			changed: () => void;
			notice: (level: 'warn', text: string) => void;
		},
	) {}

	async resample(): Promise<void> {
		if (this.sampling) return;
		await this.run(async () => {
			try {
				this.record(await this.deps.sampler.sample(this.options()));
				if (this.observed!.errors === this.observed!.n) {
					this.deps.notice('warn', `split sample failed: ${this.observed!.firstError ?? 'no answer from the balancer'}`);
				}
			} catch (error) {
				this.deps.notice('warn', `split sample failed: ${(error as Error).message}`);
			}
		});
	}

	/** Samples until the traffic follows `split` or the verify timeout passes. */
	verify(split: Split): Promise<VerifyResult> {
		return this.run(async () => {
			const result = await this.deps.sampler.verify({...this.options(), split, timeoutMs: this.deps.config.verifyTimeoutMs});
			this.record(result.sample);
			return result;
		});
	}

	private record(sample: SplitSample): void {
		this.observed = sample;
		this.sampledAt = this.deps.now();
	}

	private async run<T>(work: () => Promise<T>): Promise<T> {
		this.sampling = true;
		this.deps.changed();
		try {
			return await work();
		} finally {
			this.sampling = false;
			this.deps.changed();
		}
	}

	private options() {
		const {config} = this.deps;
		// Each engine's own URL names its version: the answers through the balancer are attributed
		// by it when nginx sets no X-Upstream header (the guide's config). The aliases object is
		// kept current by the runtime (container recreation brings new addresses).
		return {
			url: config.urls.balancer,
			n: config.sampleSize,
			roles: config.roles,
			aliases: this.deps.aliases,
			versionUrls: {stable: config.urls.stable, canary: config.urls.canary},
			signal: this.deps.signal,
		};
	}
}
