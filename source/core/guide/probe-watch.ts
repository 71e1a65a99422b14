import type {Config, ProbeRequest} from '../../config.ts';
import type {MonitorPart} from '../monitor/monitor-part.ts';
import {compareJson, driftCheck, type ProbeComparison} from '../../domain/drift.ts';
import type {Row} from '../../domain/verdict-checks.ts';

// The guide's A/B checks: the probe set sent to both engines, through the balancer's /stable/
// and /canary/ routes when it has them (else to each engine directly), every intervalSec and on
// a key. Status and latency side by side, and the JSON answers compared for response drift.
// Only requests marked idempotent are ever repeated: the timer sends no other.

export interface ProbeAnswer {
	status: number | null;
	ms: number | null;
	error: string | null;
	/** Kept (bounded) so differing bodies can be shown and saved. */
	body: string;
}

export interface ProbeResult {
	probe: ProbeRequest;
	stable: ProbeAnswer;
	canary: ProbeAnswer;
	comparison: ProbeComparison;
}

export interface ProbeRound {
	at: number;
	/** How the engines were reached: "routes /stable/ /canary/ of <balancer>" or "each engine's own URL". */
	via: string;
	results: ProbeResult[];
}

const MAX_BODY = 64 * 1024;

// undici's own request, the client the console already loaded (http-probe.ts): Node's global
// fetch would load a second copy of undici (about 10 MB of RSS) for a request every 30 s.
export type ProbeSend = (url: string, init: {method: string; headers: Record<string, string>; body?: string; signal: AbortSignal}) => Promise<{status: number; text: string}>;

const undiciSend: ProbeSend = async (url, init) => {
	const {request} = await import('undici');
	const response = await request(url, {method: init.method as 'GET', headers: init.headers, body: init.body, signal: init.signal});
	return {status: response.statusCode, text: await response.body.text()};
};

export class ProbeWatch implements MonitorPart {
	last: ProbeRound | null = null;
	/** The last round in which a probe's answers differed: both bodies, for the incident notes. */
	lastDiffering: ProbeRound | null = null;
	running = false;
	private routes: boolean | null = null;
	private changed: () => void = () => {};
	private signal: AbortSignal | null = null;

	constructor(private readonly deps: {config: Config; send?: ProbeSend; now?: () => number; timeoutMs?: number}) {}

	start(signal: AbortSignal, changed: () => void): void {
		this.signal = signal;
		this.changed = changed;
		const timer = setInterval(() => void this.run(false), this.deps.config.probes.intervalSec * 1000);
		timer.unref?.();
		signal.addEventListener('abort', () => clearInterval(timer), {once: true});
		void this.run(false);
	}

	/** For the incident bundle: the last round and the last one whose answers differed (null before any), bodies included. */
	bundleFiles(): {name: string; content: string}[] {
		const round = (r: ProbeRound | null) =>
			r && {at: new Date(r.at).toISOString(), via: r.via, results: r.results.map(({probe, stable, canary, comparison}) => ({probe: `${probe.method} ${probe.path}`, stable, canary, comparison}))};
		return [{name: 'probes.json', content: `${JSON.stringify({last: round(this.last), lastDiffering: round(this.lastDiffering)}, null, 2)}\n`}];
	}

	checks(): Row[] {
		const {probes, windowSec} = this.deps.config;
		return [driftCheck(this.last?.results.map((r) => r.comparison) ?? [], probes, windowSec, this.last?.at ?? null)];
	}

	/** One round now. `all`: also the requests not marked idempotent (the key); the timer never sends those. */
	async run(all: boolean): Promise<ProbeRound | null> {
		if (this.running || this.signal?.aborted) return null;
		this.running = true;
		this.changed();
		try {
			const requests = this.deps.config.probes.requests.filter((r) => all || r.idempotent);
			const base = await this.bases();
			const results: ProbeResult[] = [];
			for (const probe of requests) {
				const [stable, canary] = await Promise.all([this.send(base.stable, probe), this.send(base.canary, probe)]);
				results.push({probe, stable, canary, comparison: this.compare(probe, stable, canary)});
			}
			const round = {at: (this.deps.now ?? Date.now)(), via: base.via, results};
			this.last = round;
			if (results.some((r) => r.comparison.diffs.length > 0)) this.lastDiffering = round;
			return round;
		} finally {
			this.running = false;
			this.changed();
		}
	}

	private compare(probe: ProbeRequest, stable: ProbeAnswer, canary: ProbeAnswer): ProbeComparison {
		const name = `${probe.method} ${probe.path}`;
		const failed = stable.error ? `stable: ${stable.error}` : canary.error ? `canary: ${canary.error}` : null;
		if (failed) return {probe: name, compared: false, problem: failed, diffs: []};
		if (stable.status !== canary.status) return {probe: name, compared: false, problem: `status ${stable.status} on stable, ${canary.status} on canary`, diffs: []};
		let a: unknown;
		let b: unknown;
		try {
			a = JSON.parse(stable.body);
			b = JSON.parse(canary.body);
		} catch {
			return {probe: name, compared: false, problem: null, diffs: []};
		}
		return {probe: name, compared: true, problem: null, diffs: compareJson(a, b, this.deps.config.probes)};
	}

	/** The balancer's /stable/ and /canary/ routes when it has them (checked once), else the engines' own URLs. */
	private async bases(): Promise<{stable: string; canary: string; via: string}> {
		const {urls} = this.deps.config;
		if (this.routes === null) {
			const answer = await this.send(`${urls.balancer}/stable`, {name: 'route check', method: 'GET', path: '/healthz', idempotent: true});
			this.routes = answer.status !== null && answer.status < 400 && /^\s*\{/.test(answer.body);
		}
		if (this.routes) return {stable: `${urls.balancer}/stable`, canary: `${urls.balancer}/canary`, via: `routes /stable/ and /canary/ of ${urls.balancer}`};
		return {stable: urls.stable, canary: urls.canary, via: `each engine's own URL (${urls.balancer} has no /stable/ route)`};
	}

	private async send(base: string, probe: ProbeRequest): Promise<ProbeAnswer> {
		const started = performance.now();
		const signals = [AbortSignal.timeout(this.deps.timeoutMs ?? 5000), ...(this.signal ? [this.signal] : [])];
		try {
			const response = await (this.deps.send ?? undiciSend)(`${base}${probe.path}`, {
				method: probe.method,
				headers: probe.body === undefined ? {} : {'content-type': 'application/json'},
				body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
				signal: AbortSignal.any(signals),
			});
			return {status: response.status, ms: performance.now() - started, error: null, body: response.text.slice(0, MAX_BODY)};
		} catch (error) {
			return {status: null, ms: null, error: (error as Error).message || String(error), body: ''};
		}
	}
}
