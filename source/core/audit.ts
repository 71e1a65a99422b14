// The audit log: one JSON line per weight action, appended and fsynced, so a change made at
// 3 a.m. can be traced to a person, a verification and the numbers that justified it.

import {mkdir, open} from 'node:fs/promises';
import {dirname} from 'node:path';
import {hostname} from 'node:os';
import {currentUser} from './lock.ts';
import type {SplitSample} from './split-sampler.ts';

export type AuditAction = 'promote' | 'rollback' | 'set' | 'undo' | 'restart-proxy' | 'auto-rollback' | 'auto-promote' | 'stop-canary' | 'restart-redis';
/** 'started' is written before anything is touched, so an interrupted attempt leaves a trace. */
export type AuditOutcome = 'started' | 'verified' | 'not-verified' | 'failed' | 'refused' | 'restored' | 'cancelled';

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

export function createAuditLog(path: string): AuditLog {
	// Appends from one process go one after another, so lines never interleave.
	let queue: Promise<unknown> = Promise.resolve();
	const write = async (line: string | null): Promise<AuditWrite> => {
		try {
			await mkdir(dirname(path), {recursive: true});
			const handle = await open(path, 'a', 0o644);
			try {
				// One write of the whole line: O_APPEND keeps it in one piece next to other writers.
				if (line !== null) {
					await handle.write(line);
					await handle.sync();
				}
			} finally {
				await handle.close();
			}
			return {ok: true};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			// mkdir -p says EEXIST when a file stands where a directory should be.
			const reason = code === 'EEXIST' || code === 'ENOTDIR' ? `a path component of ${dirname(path)} is a file, not a directory` : (error as Error).message;
			return {ok: false, message: `audit log ${path} not written${code ? ` (${code})` : ''}: ${reason}`};
		}
	};
	return {
		path,
		append(entry) {
			let line: string;
			try {
				line = JSON.stringify(entry) + '\n';
			} catch (error) {
				return Promise.resolve({ok: false, message: `audit entry not serializable: ${(error as Error).message}`});
			}
			const result = queue.then(() => write(line));
			queue = result;
			return result;
		},
		check() {
			const result = queue.then(() => write(null));
			queue = result;
			return result;
		},
	};
}

