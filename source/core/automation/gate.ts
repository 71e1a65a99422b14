// The CI gate: watch the canary without a screen for a fixed time, record a verdict every
// analysis window, and answer with an exit code a pipeline can branch on.
//
//   1 fail          a window ended ROLL BACK (failure budget spent), or any check FAILED in
//                   the final window, or an automatic rollback was made during the run
//   2 inconclusive  no window was recorded, or the final verdict is INCONCLUSIVE
//   0 pass          otherwise: the final verdict is READY TO PROMOTE, or HOLD on warnings only
//
// Strict on failures, plain about missing data: a gate never passes on "too little data".

import type {GatedMonitor} from './monitor-port.ts';
import {Automation, type AutomationAction, type WindowRecord} from './automation.ts';
import {renderStatusText, snapshotToJson} from '../monitor/snapshot-text.ts';
import type {NotifyEvent} from './notify.ts';
import {sanitizeForTerminal} from '../../domain/sanitize.ts';

export type GateCode = 0 | 1 | 2;

export interface GateOptions {
	forMs: number;
	autoRollback?: boolean;
	json?: boolean;
	/** Default: config.analysisIntervalSec. */
	intervalMs?: number;
	notifier?: {notify(event: NotifyEvent): void};
	/** Stops the watch early (Ctrl-C in a pipeline); the verdicts so far decide. */
	signal?: AbortSignal;
}

export interface GateResult {
	code: GateCode;
	result: 'pass' | 'fail' | 'inconclusive';
	/** Why this code, in one line. */
	reason: string;
	verdicts: WindowRecord[];
	actions: AutomationAction[];
	/** What to print: the verdict table as text, or JSON with --json. */
	table: string;
}

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** "10m", "90s", "1h30m", "2h", or plain seconds ("600"). */
export function parseDuration(text: string): number | {error: string} {
	const trimmed = text.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
	const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
	if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
		return {error: `not a duration: ${JSON.stringify(text)} (use e.g. 10m, 90s, 1h30m)`};
	}
	const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
	return ms > 0 ? ms : {error: 'the duration must be more than 0'};
}

/** The exit code for a run's windows and the automatic actions taken. */
export function gateCode(verdicts: readonly WindowRecord[], actions: readonly AutomationAction[] = []): {code: GateCode; reason: string} {
	const last = verdicts.at(-1);
	if (!last) return {code: 2, reason: 'no analysis window was recorded: watch for longer than one analysis interval'};
	const rollback = actions.find((a) => a.kind === 'rollback');
	if (rollback) return {code: 1, reason: `automatic rollback during the run (${rollback.outcome}): ${rollback.reason}`};
	const spent = verdicts.find((w) => w.overall === 'ROLL BACK');
	if (spent) return {code: 1, reason: `ROLL BACK at ${new Date(spent.at).toISOString()}: ${spent.reason}`};
	if (last.failed.length > 0) return {code: 1, reason: `final window failed (${last.failed.join(', ')}): ${last.reason}`};
	if (last.overall === 'INCONCLUSIVE') return {code: 2, reason: `final verdict INCONCLUSIVE: ${last.reason}`};
	return {code: 0, reason: `final verdict ${last.overall}: ${last.reason}`};
}

const RESULT = {0: 'pass', 1: 'fail', 2: 'inconclusive'} as const;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve();
		const timer = setTimeout(done, Math.max(0, ms));
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, {once: true});
	});
}

export function renderHistory(verdicts: readonly WindowRecord[]): string {
	const lines = [`${'time'.padEnd(24)} ${'split'.padEnd(7)} ${'verdict'.padEnd(16)} budget  reason`];
	for (const w of verdicts) {
		lines.push(`${new Date(w.at).toISOString().padEnd(24)} ${(w.split ?? '?').padEnd(7)} ${w.overall.padEnd(16)} ${String(w.budgetUsed).padStart(6)}  ${w.reason.slice(0, 140)}`);
	}
	return lines.join('\n');
}

/**
 * Watches for forMs, recording one window per analysis interval and a last one at the end.
 * Starts the Monitor if needed; stopping it is the caller's job (as with runHeadless).
 */
export async function runGate(monitor: GatedMonitor, options: GateOptions): Promise<GateResult> {
	const automation = new Automation(monitor, {autoRollback: options.autoRollback ?? false, autoPromote: false, intervalMs: options.intervalMs, notifier: options.notifier});
	const interval = automation.intervalMs;
	monitor.start();
	automation.start({timer: false});
	const started = Date.now();
	const end = started + options.forMs;
	try {
		while (!options.signal?.aborted) {
			const now = Date.now();
			if (now >= end) break;
			await sleep(Math.min(interval, end - now), options.signal);
			await automation.tick();
		}
		// A rollback started in the last window is part of the run: wait for its outcome.
		await automation.settled();
	} finally {
		await automation.stop();
	}
	const verdicts = automation.history.slice();
	const actions = automation.actions.slice();
	const {code, reason} = gateCode(verdicts, actions);
	const snapshot = monitor.current();
	const seconds = Math.round((Date.now() - started) / 1000);
	let table: string;
	if (options.json) {
		table = JSON.stringify({code, result: RESULT[code], reason, watchedSec: seconds, windows: verdicts.map((w) => ({...w, at: new Date(w.at).toISOString()})), actions, final: snapshotToJson(snapshot)}, null, 2);
	} else {
		table = [
			renderStatusText(snapshot),
			'',
			`verdict history (${verdicts.length} windows over ${seconds} s, one per ${Math.round(interval / 1000)} s):`,
			sanitizeForTerminal(renderHistory(verdicts), {keepNewlines: true}),
			...actions.map((a) => sanitizeForTerminal(`automatic ${a.kind} at ${new Date(a.at).toISOString()}: ${a.outcome}: ${a.message}`)),
			'',
			`GATE ${RESULT[code].toUpperCase()} (exit ${code}): ${sanitizeForTerminal(reason)}`,
		].join('\n');
	}
	return {code, result: RESULT[code], reason, verdicts, actions, table};
}
