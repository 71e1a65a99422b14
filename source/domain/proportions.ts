// Intervals and tests for proportions: the observed split and 5xx ratios are binomial.

/** z for a two-sided 99 % interval. */
export const Z99 = 2.5758;

/** Wilson score interval for k successes in n trials; {low, high} in 0..1, or null when n is 0. */
export function wilsonInterval(k: number, n: number, z = Z99): {low: number; high: number} | null {
	if (n <= 0) return null;
	const p = k / n;
	const z2 = z * z;
	const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
	const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
	return {low: Math.max(0, centre - half), high: Math.min(1, centre + half)};
}

/**
 * Two-proportion z statistic of canary (k1/n1) against stable (k2/n2), pooled variance.
 * Positive means the canary's proportion is higher. null when either sample is empty or
 * the pooled proportion is 0 or 1 (no variance to test against).
 */
export function twoProportionZ(k1: number, n1: number, k2: number, n2: number): number | null {
	if (n1 <= 0 || n2 <= 0) return null;
	const pooled = (k1 + k2) / (n1 + n2);
	if (pooled <= 0 || pooled >= 1) return null;
	const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
	return (k1 / n1 - k2 / n2) / se;
}

/**
 * How far the canary's share of a pattern's events exceeds its share of the traffic, in
 * standard deviations: given k = kCanary + kStable events, under "same rate on both" the
 * canary's count is Binomial(k, nCanary / (nCanary + nStable)). Works for counts that exceed
 * the request counts (several log lines per request). null without traffic or events.
 */
export function rateExcessZ(kCanary: number, kStable: number, nCanary: number, nStable: number): number | null {
	const k = kCanary + kStable;
	if (k <= 0 || nCanary <= 0 || nStable <= 0) return null;
	const p = nCanary / (nCanary + nStable);
	return (kCanary - k * p) / Math.sqrt(k * p * (1 - p));
}
