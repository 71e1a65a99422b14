// Fault knobs of the lab engine: what a canary can get wrong, as data. Pure apart from the
// random source passed in, so the engine, the CLI flags and the live endpoint share one shape.

export type LabHealth = 'healthy' | 'degraded' | 'unhealthy';

export interface Faults {
	/** Mean latency added to every /v1/positions request, in ms. */
	latencyMs: number;
	/** Standard deviation of the added latency, in ms. */
	jitterMs: number;
	/** Fraction (0..1) of /v1/positions requests answered with a 5xx. */
	errorRate: number;
	/**
	 * A new ERROR log line at a fraction of /v1/positions requests. The request itself still
	 * succeeds (a handled error, as a swallowed exception in a real service would be).
	 */
	errorMessage: {text: string; rate: number} | null;
	/**
	 * Memory really allocated and held, in MB per minute: up to the engine's memory limit when it
	 * has one (the lab's supervisor OOM-kills it there), else up to MEMORY_GROWTH_CAP_MB.
	 */
	memoryGrowthMbPerMin: number;
	/** What /healthz reports; 'unhealthy' answers 503. */
	health: LabHealth;
	/** The process exits (code 1) this many ms after the fault is set; null for never. One-shot: a restart clears it. */
	crashAfterMs: number | null;
	/**
	 * A crash loop: the process exits with `exitCode` `afterMs` after each start (or after the
	 * fault is set), and keeps the fault across restarts, so the supervisor restarts it again and
	 * again (as Docker's `restart: unless-stopped` does). null for never.
	 */
	crashLoop: {afterMs: number; exitCode: number} | null;
	/**
	 * Flapping health: /healthz answers 200 for this many seconds, then 503 for as many, and so
	 * on, while requests still succeed. 0 for steady health.
	 */
	healthFlapSec: number;
	/**
	 * Fraction (0..1) of /v1/positions requests whose connection the engine closes without an
	 * answer, neither counted nor logged (a worker dying mid-request). nginx counts each as a
	 * failed attempt and, with its default max_fails=1 fail_timeout=10s, sends the canary's share
	 * to stable: the canary stays healthy on its own port but serves far less than its share.
	 */
	abortRate: number;
	/** Delay before /metrics answers, in ms. */
	slowMetricsMs: number;
	/** Extra background INFO log lines per second (for benchmarks). */
	logRate: number;
	/** Degrees added to every longitude /v1/positions answers: a canary whose numbers drift. */
	longitudeShiftDeg: number;
}

/** Without a memory limit, held memory stops growing here, so a forgotten fault cannot take the machine down. */
export const MEMORY_GROWTH_CAP_MB = 400;

export const HEALTHY: Faults = {
	latencyMs: 0,
	jitterMs: 0,
	errorRate: 0,
	errorMessage: null,
	memoryGrowthMbPerMin: 0,
	health: 'healthy',
	crashAfterMs: null,
	crashLoop: null,
	healthFlapSec: 0,
	abortRate: 0,
	slowMetricsMs: 0,
	logRate: 0,
	longitudeShiftDeg: 0,
};

/** The demo canary's mild default fault: something to see, nothing dramatic. */
// At 90/10 and 20 requests/s the canary serves about 2 requests a second: at 3 % the new
// message shows up about every 20 s, so the error-pattern diff has something to show within
// the first minute of the demo (at 0.3 % it would take minutes).
export const MILD_CANARY_FAULT: Partial<Faults> = {
	latencyMs: 40,
	jitterMs: 10,
	errorMessage: {text: 'Ephemeris segment lookup fell back to linear scan', rate: 0.03},
};

export class FaultsError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'FaultsError';
	}
}

function num(value: unknown, field: string, min: number, max: number): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
		throw new FaultsError(`${field} must be a number from ${min} to ${max}`);
	}
	return value;
}

/** Checks an untrusted patch (JSON from the wire or flags) and returns only known fields. */
export function parseFaultsPatch(input: unknown): Partial<Faults> {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		throw new FaultsError('faults must be a JSON object');
	}
	const raw = input as Record<string, unknown>;
	const out: Partial<Faults> = {};
	const known = new Set(Object.keys(HEALTHY));
	for (const key of Object.keys(raw)) {
		if (!known.has(key)) throw new FaultsError(`unknown fault "${key}"`);
	}
	if ('latencyMs' in raw) out.latencyMs = num(raw.latencyMs, 'latencyMs', 0, 60_000);
	if ('jitterMs' in raw) out.jitterMs = num(raw.jitterMs, 'jitterMs', 0, 60_000);
	if ('errorRate' in raw) out.errorRate = num(raw.errorRate, 'errorRate', 0, 1);
	if ('abortRate' in raw) out.abortRate = num(raw.abortRate, 'abortRate', 0, 1);
	if ('memoryGrowthMbPerMin' in raw) out.memoryGrowthMbPerMin = num(raw.memoryGrowthMbPerMin, 'memoryGrowthMbPerMin', 0, 10_000);
	if ('slowMetricsMs' in raw) out.slowMetricsMs = num(raw.slowMetricsMs, 'slowMetricsMs', 0, 120_000);
	if ('logRate' in raw) out.logRate = num(raw.logRate, 'logRate', 0, 200_000);
	if ('longitudeShiftDeg' in raw) out.longitudeShiftDeg = num(raw.longitudeShiftDeg, 'longitudeShiftDeg', -360, 360);
	if ('health' in raw) {
		if (raw.health !== 'healthy' && raw.health !== 'degraded' && raw.health !== 'unhealthy') {
			throw new FaultsError('health must be healthy, degraded or unhealthy');
		}
		out.health = raw.health;
	}
	if ('crashAfterMs' in raw) {
		out.crashAfterMs = raw.crashAfterMs === null ? null : num(raw.crashAfterMs, 'crashAfterMs', 0, 86_400_000);
	}
	if ('healthFlapSec' in raw) {
		const sec = num(raw.healthFlapSec, 'healthFlapSec', 0, 86_400);
		if (sec > 0 && sec < 0.1) throw new FaultsError('healthFlapSec must be 0 (off) or at least 0.1');
		out.healthFlapSec = sec;
	}
	if ('crashLoop' in raw) {
		const loop = raw.crashLoop;
		if (loop === null) out.crashLoop = null;
		else if (typeof loop === 'object' && !Array.isArray(loop)) {
			const {afterMs, exitCode = 1} = loop as {afterMs?: unknown; exitCode?: unknown};
			const code = num(exitCode, 'crashLoop.exitCode', 1, 255);
			if (!Number.isInteger(code)) throw new FaultsError('crashLoop.exitCode must be a whole number from 1 to 255');
			out.crashLoop = {afterMs: num(afterMs, 'crashLoop.afterMs', 0, 86_400_000), exitCode: code};
		} else throw new FaultsError('crashLoop must be null or {"afterMs": number, "exitCode"?: number}');
	}
	if ('errorMessage' in raw) {
		const m = raw.errorMessage;
		if (m === null) out.errorMessage = null;
		else if (typeof m === 'object' && typeof (m as {text?: unknown}).text === 'string') {
			const text = (m as {text: string}).text.slice(0, 500);
			if (text.trim() === '') throw new FaultsError('errorMessage.text must not be empty');
			out.errorMessage = {text, rate: num((m as {rate?: unknown}).rate, 'errorMessage.rate', 0, 1)};
		} else throw new FaultsError('errorMessage must be null or {"text": string, "rate": number}');
	}
	return out;
}

export function mergeFaults(base: Faults, patch: Partial<Faults>): Faults {
	return {...base, ...patch};
}

/** Whether /healthz is in the unhealthy half of a flap period `sinceMs` after the flapping began. */
export function flapUnhealthy(healthFlapSec: number, sinceMs: number): boolean {
	if (healthFlapSec <= 0) return false;
	return Math.floor(Math.max(0, sinceMs) / (healthFlapSec * 1000)) % 2 === 1;
}

/** Standard normal deviate (Box-Muller). */
export function gaussian(random: () => number): number {
	const u = Math.max(random(), 1e-12);
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Service time of one positions request in ms. The baseline is log-normal around 6 ms with a
 * long-ish tail capped at 45 ms (a healthy engine's p95 stays far below the guide's 200 ms);
 * a cache hit is cheaper. The fault adds a normal delay of latencyMs +/- jitterMs.
 */
export function serviceTimeMs(faults: Faults, cacheHit: boolean, random: () => number): number {
	const base = Math.min(45, 1.5 + Math.exp(Math.log(cacheHit ? 2 : 6) + 0.6 * gaussian(random)));
	const added = faults.latencyMs > 0 || faults.jitterMs > 0 ? Math.max(0, faults.latencyMs + faults.jitterMs * gaussian(random)) : 0;
	return base + added;
}
