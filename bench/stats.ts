// min / median / max over repeated runs, and the budget check on the median.

export interface Spread {
	min: number;
	median: number;
	max: number;
	n: number;
}

export function spread(values: number[]): Spread | null {
	const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (finite.length === 0) return null;
	const mid = Math.floor(finite.length / 2);
	const median = finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
	return {min: finite[0], median, max: finite.at(-1)!, n: finite.length};
}

/** The median holds the budget: `<=` a ceiling. No measurement is never ok. */
export function verdict(s: Spread | null, budget: number | null): 'ok' | 'over' | 'n/a' | 'none' {
	if (budget === null) return 'n/a';
	if (s === null) return 'none';
	return s.median <= budget ? 'ok' : 'over';
}

/** The p-quantile (0..1) of a sample by nearest rank. */
export function quantile(values: number[], p: number): number | null {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return null;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
