// Where the current stage started, from the deployment's audit log rather than from when this
// console started: an engineer who reconnects over SSH mid-soak sees the same countdown, and
// weights nobody audited (another tool, an editor) restart the soak and say so.

import type {AuditEntry} from '../change/audit.ts';
import {formatSplit, parseSplit, splitEquals, type Split} from '../../domain/upstream.ts';

export interface AuditedChange {
	at: number;
	to: Split;
	action: AuditEntry['action'];
	user: string;
	host: string;
}

/** Outcomes after which the file holds the new weights and nginx was reloaded with them. */
const APPLIED = new Set(['verified', 'not-verified']);

/**
 * The newest change in the audit lines (oldest first) that left its weights in the file. A
 * last line 'started' is a change another console is making right now (it verifies next).
 */
export function lastAuditedChange(lines: readonly string[]): AuditedChange | null {
	for (let i = lines.length - 1; i >= 0; i--) {
		let entry: Partial<AuditEntry>;
		try {
			entry = JSON.parse(lines[i]!) as Partial<AuditEntry>;
		} catch {
			continue;
		}
		if (!entry || typeof entry !== 'object') continue;
		const inProgress = i === lines.length - 1 && entry.outcome === 'started';
		if (!APPLIED.has(String(entry.outcome)) && !inProgress) continue;
		const at = Date.parse(String(entry.time));
		const to = parseSplit(String(entry.to));
		if (!Number.isFinite(at) || 'error' in to) continue;
		return {at, to, action: entry.action as AuditEntry['action'], user: String(entry.user ?? '?'), host: String(entry.host ?? '?')};
	}
	return null;
}

export type StageStart =
	| {kind: 'audited'; at: number; change: AuditedChange}
	| {kind: 'outside'; at: number; last: AuditedChange}
	/** No change in the audit log at all (a first run): the soak counts from now, with no claim. */
	| {kind: 'unknown'; at: number};

/**
 * When the stage that sets `configured` began. `now` is when the console saw the weights:
 * weights the newest audited change set date from that change; other weights were changed
 * outside the console and their soak starts now.
 */
export function stageStart(configured: Split, last: AuditedChange | null, now: number): StageStart {
	if (!last) return {kind: 'unknown', at: now};
	if (splitEquals(last.to, configured)) return {kind: 'audited', at: Math.min(last.at, now), change: last};
	return {kind: 'outside', at: now, last};
}

const hhmm = (at: number) => {
	const date = new Date(at);
	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
};

/** What the screen says about a stage's start; null when there is nothing to say. */
export function stageNotice(start: StageStart, from: Split | null, to: Split): {level: 'info' | 'warn'; text: string} | null {
	const split = from ? `${formatSplit(from)} -> ${formatSplit(to)}` : formatSplit(to);
	if (start.kind === 'unknown') return null;
	if (start.kind === 'outside') {
		const last = start.last;
		return {level: 'warn', text: `weights ${split} changed outside at ${hhmm(start.at)}, soak restarted (the audit log's last change set ${formatSplit(last.to)} at ${hhmm(last.at)}, by ${last.user}@${last.host})`};
	}
	const change = start.change;
	if (from) return {level: 'info', text: `weights ${split} changed by ${change.user}@${change.host} at ${hhmm(change.at)} (${change.action}, audited)`};
	return {level: 'info', text: `stage ${formatSplit(to)} since ${hhmm(start.at)} (${change.action} by ${change.user}@${change.host}, from the audit log)`};
}
