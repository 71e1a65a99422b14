// Health over the analysis window, not the last probe: a canary that flaps between healthy
// and unhealthy answers healthy half the time, and one healthy probe must not hide the rest.

import type {HealthStatus} from './figures.ts';

export interface HealthProbe {
	at: number;
	status: HealthStatus;
	httpCode: number | null;
}

export interface HealthWindow {
	/** Probes in the window. */
	n: number;
	/** Unhealthy answers and probes that got no answer (refused, timeout). */
	failed: number;
	degraded: number;
	/** Changes between failed and not failed. */
	flips: number;
	/** The longest run of failed probes, from its first failed probe to the next good one (or the last probe). */
	longestFailedMs: number;
	/** The newest probe failed. */
	lastFailed: boolean;
}

const failed = (p: HealthProbe) => p.status === 'unhealthy' || (p.status === 'unknown' && p.httpCode === null);

/** Summary of the probes with from <= at <= to, oldest first in `probes`. */
export function summarizeHealth(probes: readonly HealthProbe[], from: number, to: number): HealthWindow {
	const summary: HealthWindow = {n: 0, failed: 0, degraded: 0, flips: 0, longestFailedMs: 0, lastFailed: false};
	let runStart: number | null = null;
	let previous: boolean | null = null;
	let lastAt = from;
	for (const probe of probes) {
		if (probe.at < from || probe.at > to) continue;
		const bad = failed(probe);
		summary.n++;
		if (bad) summary.failed++;
		if (probe.status === 'degraded') summary.degraded++;
		if (previous !== null && bad !== previous) summary.flips++;
		if (bad && runStart === null) runStart = probe.at;
		if (!bad && runStart !== null) {
			summary.longestFailedMs = Math.max(summary.longestFailedMs, probe.at - runStart);
			runStart = null;
		}
		previous = bad;
		lastAt = probe.at;
	}
	if (runStart !== null) summary.longestFailedMs = Math.max(summary.longestFailedMs, lastAt - runStart);
	summary.lastFailed = previous === true;
	return summary;
}
