// How long to wait before polling a target again, and what to call its state. Pure: the
// poller owns the timer and the clock.

export interface BackoffOptions {
	/** The normal poll interval, used while the target answers. */
	baseMs: number;
	/** The longest wait after repeated failures. */
	maxMs: number;
	factor?: number;
}

/** Delay before the next attempt after `failures` consecutive failures (0 = healthy). */
export function backoffDelay(failures: number, {baseMs, maxMs, factor = 2}: BackoffOptions): number {
	if (!(failures > 0)) return baseMs;
	return Math.min(maxMs, baseMs * factor ** Math.min(failures, 30));
}

/** Counts consecutive failures; a success resets it. */
export class Backoff {
	#failures = 0;

	constructor(readonly options: BackoffOptions) {}

	get failures(): number {
		return this.#failures;
	}

	/** Records a failure and returns the wait before the next attempt. */
	fail(): number {
		this.#failures++;
		return backoffDelay(this.#failures, this.options);
	}

	/** Records a success and returns the normal interval. */
	succeed(): number {
		this.#failures = 0;
		return this.options.baseMs;
	}

	get delay(): number {
		return backoffDelay(this.#failures, this.options);
	}
}

export type ProbeStatus = 'ok' | 'slow' | 'timeout' | 'refused' | 'bad-response' | 'error';

/** A target's state from its last attempt: answered (ok or slow) or the failure's kind. */
export function probeStatus(outcome: {ms: number} | {kind: 'timeout' | 'refused' | 'bad-response' | 'error'}, slowMs = 1000): ProbeStatus {
	if ('kind' in outcome) return outcome.kind;
	return outcome.ms > slowMs ? 'slow' : 'ok';
}

/** Data older than a few poll intervals is stale: show its age, never present it as current. */
export function isStale(readAt: number | null, now: number, intervalMs: number, missed = 3): boolean {
	return readAt === null || now - readAt > intervalMs * missed;
}
