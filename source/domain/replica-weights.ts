// A split across replicas: each role's share divided over its replicas in whole weights whose
// totals give the role split exactly under nginx's smooth weighted round robin (over one cycle
// of sum-of-weights requests every server gets exactly its weight; smooth-wrr.ts).

import type {Role} from './replicas.ts';

/** Integer percentages that sum to 100 (upstream.ts's Split, restated to keep this file a leaf). */
interface Split {
	stable: number;
	canary: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * The weight of each replica of a role (every replica of a role gets the same; 0 means `down`).
 * One server per role keeps today's weights, the percentages themselves. Otherwise the smallest
 * integers: with g = gcd(stable, canary), the role totals are k * stable/g and k * canary/g for
 * the least k that both replica counts divide evenly. 50/50 over 3 and 2 replicas: 2 and 3
 * (totals 6/6); 90/10 over 3 and 2: 6 and 1 (totals 18/2).
 */
export function replicaWeights(split: Split, counts: Record<Role, number>): Record<Role, number> {
	if (counts.stable === 1 && counts.canary === 1) return {stable: split.stable, canary: split.canary};
	const g = gcd(split.stable, split.canary);
	const share = {stable: split.stable / g, canary: split.canary / g};
	// k must make counts[role] divide k * share[role]: a multiple of counts / gcd(counts, share).
	const step = (role: Role) => (share[role] === 0 ? 1 : counts[role] / gcd(counts[role], share[role]));
	const k = lcm(step('stable'), step('canary'));
	return {stable: (k * share.stable) / counts.stable, canary: (k * share.canary) / counts.canary};
}

/** A role split in percent from the summed weights of each role's live servers (`down` counts 0). */
export function splitOfTotals(totals: Record<Role, number>): Split | null {
	const all = totals.stable + totals.canary;
	if (all === 0) return null;
	const stable = Math.round((100 * totals.stable) / all);
	return {stable, canary: 100 - stable};
}
