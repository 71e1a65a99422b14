// A replica that is an outlier inside its own role: one sick canary replica must not hide in
// the role's merged figures. Each replica is compared with the median of its siblings: p95 above
// it by more than max(100 ms, 50 %), or a 5xx share more than 2 points above it. Replicas with
// too few requests in the window are not judged (nor used as siblings).

import type {WindowFigures} from './figures.ts';
import type {Row} from './verdict-checks.ts';

export interface ReplicaFigures {
	id: string;
	figures: WindowFigures | null;
}

export interface OutlierRules {
	/** p95 above the siblings' median by more than the larger of these: an outlier. */
	p95Ms: number;
	p95Pct: number;
	/** 5xx share above the siblings' median by more than this many points. */
	ratio5xxPts: number;
	/** Requests in the window before a replica is judged. */
	minRequests: number;
}

export const OUTLIER_RULES: OutlierRules = {p95Ms: 100, p95Pct: 50, ratio5xxPts: 2, minRequests: 20};

/** The rules as the config's thresholds set them (replicaP95Ms, replicaP95Pct, replica5xxPts, replicaMinRequests). */
export function outlierRules(thresholds: {replicaP95Ms: number; replicaP95Pct: number; replica5xxPts: number; replicaMinRequests: number}): OutlierRules {
	return {p95Ms: thresholds.replicaP95Ms, p95Pct: thresholds.replicaP95Pct, ratio5xxPts: thresholds.replica5xxPts, minRequests: thresholds.replicaMinRequests};
}

export interface Outlier {
	id: string;
	/** In words, with the numbers: "C2 p95 312 ms vs 95 ms (siblings' median)". */
	reason: string;
	p95Ms: number | null;
	ratio5xxPct: number | null;
}

function median(values: number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const p95Of = (r: ReplicaFigures) => (r.figures?.p95 ? r.figures.p95.seconds * 1000 : null);
const pctOf = (r: ReplicaFigures) => (r.figures?.ratio5xx === null || r.figures?.ratio5xx === undefined ? null : r.figures.ratio5xx * 100);

/** The outliers among one role's replicas (none with fewer than two judged replicas). */
export function findOutliers(replicas: readonly ReplicaFigures[], rules: OutlierRules = OUTLIER_RULES): Outlier[] {
	const judged = replicas.filter((r) => (r.figures?.requests ?? 0) >= rules.minRequests);
	if (judged.length < 2) return [];
	const out: Outlier[] = [];
	for (const replica of judged) {
		const siblings = judged.filter((r) => r !== replica);
		const reasons: string[] = [];
		const p95 = p95Of(replica);
		const p95Median = median(siblings.map(p95Of).filter((v): v is number => v !== null));
		if (p95 !== null && p95Median !== null && p95 > p95Median + Math.max(rules.p95Ms, (p95Median * rules.p95Pct) / 100)) {
			reasons.push(`p95 ${Math.round(p95)} ms vs ${Math.round(p95Median)} ms`);
		}
		const pct = pctOf(replica);
		const pctMedian = median(siblings.map(pctOf).filter((v): v is number => v !== null));
		if (pct !== null && pctMedian !== null && pct > pctMedian + rules.ratio5xxPts) reasons.push(`5xx ${pct.toFixed(1)} % vs ${pctMedian.toFixed(1)} %`);
		if (reasons.length > 0) out.push({id: replica.id, reason: `${replica.id} ${reasons.join(', ')} (siblings' median)`, p95Ms: p95, ratio5xxPct: pct});
	}
	return out;
}

/**
 * The verdict's replicas row: WARN naming each outlier replica (it says where to look; the role's
 * own checks judge the traffic it serves). Null when no role has more than one replica.
 */
export function replicasRow(roles: {stable: readonly ReplicaFigures[]; canary: readonly ReplicaFigures[]}, windowSec: number, rules: OutlierRules = OUTLIER_RULES): Row | null {
	if (roles.stable.length < 2 && roles.canary.length < 2) return null;
	const outliers = [...findOutliers(roles.stable, rules), ...findOutliers(roles.canary, rules)];
	const judged = (list: readonly ReplicaFigures[]) => list.filter((r) => (r.figures?.requests ?? 0) >= rules.minRequests).length;
	const n = judged(roles.stable) + judged(roles.canary);
	const threshold = `warn: a replica's p95 > siblings' median + max(${rules.p95Ms} ms, ${rules.p95Pct} %), or 5xx > median + ${rules.ratio5xxPts} pts`;
	const count = (list: readonly ReplicaFigures[]) => list.filter((r) => outliers.some((o) => o.id === r.id)).length;
	const base = {id: 'replicas' as const, label: 'replicas', stable: count(roles.stable), canary: count(roles.canary), unit: '' as const, threshold, windowSec, n};
	if (outliers.length > 0) return {...base, state: 'WARN', reason: `outlier: ${outliers.map((o) => o.reason).join('; ')}`};
	if (n < 2) return {...base, state: 'NO DATA', reason: `too few requests per replica to compare them (${rules.minRequests} each)`};
	return {...base, state: 'PASS', reason: `no replica far from its siblings (${n} replicas judged)`};
}
