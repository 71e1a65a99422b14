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

/** z for a two-sided 99.9 % interval. */
export const Z999 = 3.2905;

/**
 * P(X >= k) for X ~ Binomial(n, p), exact (summed in log space, so n in the thousands is fine).
 * The conditional test of two Poisson rates: given n = kCanary + kStable events, under "same
 * rate per request on both", the canary's count is Binomial(n, its share of the requests).
 * Exact where a z-test is not: one event out of one is never "significant".
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
	if (k <= 0) return 1;
	if (k > n) return 0;
	if (p <= 0) return 0;
	if (p >= 1) return 1;
	const logP = Math.log(p);
	const logQ = Math.log1p(-p);
	// log C(n, k) by summing logs: n stays small (event counts), so this is cheap and exact enough.
	let logC = 0;
	for (let i = 1; i <= k; i++) logC += Math.log(n - k + i) - Math.log(i);
	let term = logC + k * logP + (n - k) * logQ;
	let sum = 0;
	for (let i = k; i <= n; i++) {
		sum += Math.exp(term);
		// C(n, i+1) / C(n, i) = (n - i) / (i + 1)
		term += Math.log(n - i) - Math.log(i + 1) + logP - logQ;
	}
	return Math.min(1, sum);
}

/**
 * One-sided exact p-value that the canary's event rate per request exceeds stable's: the
 * conditional binomial test above. null without traffic on both sides or without events.
 */
export function rateExcessP(kCanary: number, kStable: number, nCanary: number, nStable: number): number | null {
	const k = kCanary + kStable;
	if (k <= 0 || nCanary <= 0 || nStable <= 0) return null;
	return binomialUpperTail(kCanary, k, nCanary / (nCanary + nStable));
}
