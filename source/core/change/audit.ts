// The audit log: one JSON line per weight action, appended and fsynced, so a change made at
// 3 a.m. can be traced to a person, a verification and the numbers that justified it.

import {hostname, userInfo} from 'node:os';
import type {SplitSample} from './split-sample.ts';

export type AuditAction = 'promote' | 'rollback' | 'set' | 'undo' | 'restart-proxy' | 'auto-rollback' | 'auto-promote' | 'stop-canary' | 'restart-redis' | 'note';
/** 'started' is written before anything is touched, so an interrupted attempt leaves a trace. */
export type AuditOutcome = 'started' | 'verified' | 'not-verified' | 'failed' | 'refused' | 'restored' | 'cancelled' | 'noted';

export interface SampleSummary {
	n: number;
	stable: number;
	canary: number;
	unknown: number;
	errors: number;
	ms: number;
	method: SplitSample['method'];
	observed: {stable: number; canary: number};
	interval: {low: number; high: number} | null;
}

export interface AuditEntry {
	/** ISO 8601. */
	time: string;
	user: string;
	host: string;
	action: AuditAction;
	/** Splits as "90/10"; '?' when unknown. */
	from: string;
	to: string;
	outcome: AuditOutcome;
	verification: SampleSummary | null;
	reason: string;
	automatic: boolean;
	/** The verdict numbers at that moment, as the caller passed them. */
	verdict: unknown;
}

export interface AuditLog {
	readonly path: string;
	/** Never throws: a full disk or a read-only directory comes back as ok:false for the screen. */
	append(entry: AuditEntry): Promise<AuditWrite>;
	/** Whether the log can be opened for appending (creates it); writes nothing. */
	check(): Promise<AuditWrite>;
	/** The last line in the log; null when it is empty or cannot be read. */
	lastLine(): Promise<string | null>;
	/** The newest whole lines within the last maxBytes of the log, oldest first; [] when it cannot be read. */
	tail?(maxBytes?: number): Promise<string[]>;
}

export type AuditWrite = {ok: true} | {ok: false; message: string};

export function summarizeSample(sample: SplitSample | null | undefined): SampleSummary | null {
	if (!sample) return null;
	const {n, stable, canary, unknown, errors, ms, method, observed, interval} = sample;
	return {n, stable, canary, unknown, errors, ms: Math.round(ms), method, observed, interval};
}

/** Fills time, user and host. */
export function auditEntry(
	fields: Omit<AuditEntry, 'time' | 'user' | 'host' | 'verification' | 'reason' | 'automatic' | 'verdict'> & Partial<AuditEntry>,
	now: () => number = Date.now,
): AuditEntry {
	return {
		time: new Date(now()).toISOString(),
		user: currentUser(),
		host: hostname(),
		verification: null,
		reason: '',
		automatic: false,
		verdict: null,
		...fields,
	};
}

export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
	// Under sudo the person is SUDO_USER, not root.
	if (env.SUDO_USER) return env.SUDO_USER;
	if (env.USER) return env.USER;
	try {
		return userInfo().username;
	} catch {
		return 'unknown';
	}
}

/** The same log, calling `seen` with every entry it writes (the timeline hears of actions so). */
export function observedAudit(log: AuditLog, seen: (entry: AuditEntry) => void): AuditLog {
	return {
		path: log.path,
		check: () => log.check(),
		lastLine: () => log.lastLine(),
		tail: log.tail ? (maxBytes) => log.tail!(maxBytes) : undefined,
		async append(entry) {
			const result = await log.append(entry);
			if (result.ok) seen(entry);
			return result;
		},
	};
}
