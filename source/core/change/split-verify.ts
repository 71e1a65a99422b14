// Whether a split sample proves a configured split. Answers nobody could attribute count
// against it: a change is VERIFIED only by answers that say which engine replied.

import type {Split} from '../../domain/upstream.ts';
import type {SplitSample} from './split-sample.ts';

/** The line that makes nginx name the engine that answered (FACTS.md §2). */
export const X_UPSTREAM_LINE = 'add_header X-Upstream $upstream_addr always;';

/** At most this share of the answers may be unattributed in a sample of an intermediate split. */
const MAX_UNATTRIBUTED = 0.05;

/** What to do when answers cannot be attributed: the exact line to add to nginx. */
export function attributionFix(sample: SplitSample): string {
	const why = sample.attributionProblem ?? 'no answer told which engine replied';
	return `${why}. Add \`${X_UPSTREAM_LINE}\` to the location in the nginx config${/same|both engines report/.test(why) ? ' (or give the canary its own version)' : ''}`;
}

/** Whether a sample agrees with a configured split, and if not, why (for NOT VERIFIED). */
export function explainSplit(sample: SplitSample, split: Split): {matches: boolean; reason: string} {
	const attributed = sample.stable + sample.canary;
	const answered = attributed + sample.unknown;
	const observed = `${Math.round(sample.observed.stable)}/${Math.round(sample.observed.canary)}`;
	const wanted = `${split.stable}/${split.canary}`;
	if (answered === 0) {
		const why = sample.errors > 0 ? `${sample.errors} of ${sample.n} requests failed${sample.firstError ? ` (${sample.firstError})` : ''}` : 'no answer from the balancer';
		return {matches: false, reason: why};
	}
	if (attributed === 0) return {matches: false, reason: `none of ${answered} answers could be attributed: ${attributionFix(sample)}`};
	const unattributed = sample.unknown > 0 ? ` (${sample.unknown} unattributed: ${attributionFix(sample)})` : '';
	// Too few attributed answers make any interval wide enough to "match" anything.
	if (attributed < Math.min(20, sample.n)) return {matches: false, reason: `too few answers attributed: ${attributed} of ${answered}${unattributed}`};
	// 0 % and 100 % are exact: a single answer from a `down` server means the change did not land,
	// and an answer nobody can attribute may be that one.
	if (split.canary === 0 || split.stable === 0) {
		const [gone, kept] = split.canary === 0 ? (['canary', 'stable'] as const) : (['stable', 'canary'] as const);
		if (sample[gone] > 0) return {matches: false, reason: `${sample[gone]} of ${attributed} answers still from ${gone} (want ${wanted})${unattributed}`};
		if (sample.unknown > 0) return {matches: false, reason: `${wanted} needs every answer attributed; ${sample.unknown} of ${answered} were not${unattributed}`};
		return {matches: true, reason: `all ${attributed} answers from ${kept} (by ${sample.method})`};
	}
	if (sample.unknown > MAX_UNATTRIBUTED * answered) {
		return {matches: false, reason: `too few answers attributed: ${attributed} of ${answered}${unattributed}`};
	}
	const interval = sample.interval!;
	const inside = split.canary >= interval.low && split.canary <= interval.high;
	const range = `${interval.low.toFixed(1)}-${interval.high.toFixed(1)} %`;
	return inside
		? {matches: true, reason: `observed ${observed} (canary ${range}, 99 %) over ${attributed} answers by ${sample.method}`}
		: {matches: false, reason: `observed ${observed}, canary ${range} (99 %) excludes ${split.canary} % (want ${wanted})${unattributed}`};
}

export function splitMatches(sample: SplitSample, split: Split): boolean {
	return explainSplit(sample, split).matches;
}
