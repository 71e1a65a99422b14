// What a weight key means in the current state: the target split, or why the key does not apply.

import {formatSplit, nextStage, renderSplit, splitEquals, upstreamDiff, type Roles, type Split} from './upstream.ts';

export type ChangeKind = 'promote' | 'rollback' | 'set' | 'undo';

export const ALL_STABLE: Split = {stable: 100, canary: 0};

/**
 * `history` holds the split before each change applied in this session, oldest first;
 * undo goes back to the last of them. `requested` is the split chosen for 'set'.
 * `unapplied`: the traffic does not follow the file (an interrupted change left the file ahead
 * of nginx); setting the file's own split again then re-applies it instead of refusing.
 */
export function planChange(kind: ChangeKind, current: Split, stages: Split[], history: readonly Split[], requested?: Split, unapplied = false): {to: Split} | {refusal: string} {
	switch (kind) {
		case 'promote': {
			const next = nextStage(current, stages);
			if (!next) return {refusal: `already at ${formatSplit(current)}: nothing to promote`};
			return {to: next};
		}
		case 'rollback':
			// Always allowed: at 100/0 it re-applies and re-verifies, which is what a worried operator wants.
			return {to: ALL_STABLE};
		case 'set': {
			if (!requested) return {refusal: 'choose a split first, e.g. 50/50'};
			if (splitEquals(requested, current) && !unapplied) return {refusal: `already at ${formatSplit(current)}: nothing to change`};
			return {to: requested};
		}
		case 'undo': {
			const last = history.at(-1);
			if (!last) return {refusal: 'nothing to undo: no weight change made in this session'};
			if (splitEquals(last, current)) return {refusal: `already at ${formatSplit(current)}: nothing to undo`};
			return {to: last};
		}
	}
}

/** The upstream block's diff for the confirm dialog, or why the change cannot be rendered. */
export function previewChange(hostText: string, to: Split, upstream: string, roles: Roles): {diff: string[]; text: string} | {error: string} {
	const rendered = renderSplit(hostText, upstream, roles, to);
	if ('error' in rendered) return rendered;
	return {diff: upstreamDiff(hostText, rendered.text, upstream, roles), text: rendered.text};
}

/**
 * The changed region of a whole file, with a little context: what someone else changed
 * between our read and our write. Prefix/suffix trimming is enough for one edit and stays
 * linear on files of any size.
 */
export function changedLines(before: string, after: string, context = 2): string[] {
	const a = before.split('\n');
	const b = after.split('\n');
	let head = 0;
	while (head < a.length && head < b.length && a[head] === b[head]) head++;
	let tail = 0;
	while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
	if (head === a.length && head === b.length) return [];
	const out: string[] = [];
	const from = Math.max(0, head - context);
	if (from > 0) out.push(`@@ line ${from + 1}`);
	for (let i = from; i < head; i++) out.push(`  ${a[i]}`);
	for (let i = head; i < a.length - tail; i++) out.push(`- ${a[i]}`);
	for (let i = head; i < b.length - tail; i++) out.push(`+ ${b[i]}`);
	for (let i = a.length - tail; i < Math.min(a.length, a.length - tail + context); i++) out.push(`  ${a[i]}`);
	return out;
}
