// The step list and result shared by the weight flow and the proxy restart: what the screen
// shows while a change runs and what the headless commands turn into exit codes.

import type {ProxyControl} from '../types.ts';
import type {AuditLog, AuditOutcome} from './audit.ts';
import type {ChangeFiles} from './ports.ts';
import type {RolesConfig} from '../../domain/replicas.ts';
import type {Split} from '../../domain/upstream.ts';
import type {SplitSample, VerifyResult} from './split-sample.ts';

export type StepId = 'lock' | 'read' | 'render' | 'check-seen' | 'audit' | 'backup' | 'write' | 'read-back' | 'validate' | 'reload' | 'confirm-seen' | 'verify' | 'restore' | 'restart';

export interface ApplyStep {
	name: StepId;
	state: 'running' | 'done' | 'failed';
	message: string;
	/** ms since epoch (deps.now). */
	at: number;
}

export type ApplyOutcome = Exclude<AuditOutcome, 'started'>;

/** Why the flow ended, for the screen and the headless exit code. */
export type ApplyStatus =
	| 'verified' | 'not-verified' | 'lock-held' | 'unreadable' | 'changed-outside' | 'render-error' | 'audit-unwritable'
	| 'stale-container-file' | 'write-failed' | 'validate-failed' | 'reload-failed' | 'restart-unavailable' | 'restart-failed' | 'restored' | 'error';

export interface ApplyResult {
	/** True for 'verified' and 'restored': the change (or restart) did what was asked. */
	ok: boolean;
	outcome: ApplyOutcome;
	status: ApplyStatus;
	/** Splits as "90/10"; '?' when the file could not be read. */
	from: string;
	to: string;
	steps: ApplyStep[];
	message: string;
	sample?: SplitSample;
	/** The container sees another file: restarting nginx-canary (restartProxy) reconnects it. */
	restartOffered?: boolean;
	/** Changed lines: the outside change for 'changed-outside'. */
	diff?: string[];
	backupPath?: string;
	/** Set when the audit line could not be written (disk full, read-only). */
	auditError?: string;
}

export function stepper(onStep: (step: ApplyStep) => void, now: () => number) {
	const steps: ApplyStep[] = [];
	const report = (name: StepId, state: ApplyStep['state'], message: string) => {
		const step = {name, state, message, at: now()};
		const index = steps.findIndex((s) => s.name === name);
		if (index >= 0) steps[index] = step;
		else steps.push(step);
		onStep(step);
	};
	return {
		steps,
		run: (id: StepId, message: string) => report(id, 'running', message),
		done: (id: StepId, message: string) => report(id, 'done', message),
		fail: (id: StepId, message: string) => report(id, 'failed', message),
	};
}

/** The result's common fields; `ok` follows from the outcome. */
export function resultOf(outcome: ApplyOutcome, status: ApplyStatus, fields: Omit<ApplyResult, 'ok' | 'outcome' | 'status'>): ApplyResult {
	return {ok: outcome === 'verified' || outcome === 'restored', outcome, status, ...fields};
}

export const oneLine = (output: string) => output.trim().split('\n').filter(Boolean).slice(-3).join(' | ');

export interface ApplyDeps {
	proxy: ProxyControl;
	audit: AuditLog;
	/** Samples the balancer until the split matches or the timeout (verifySplit, bound to the balancer URL). */
	sampler: (split: Split) => Promise<VerifyResult>;
	upstream: string;
	roles: RolesConfig;
	/** The deployment's lock and backups (adapters/files: in its state directory). */
	files: ChangeFiles;
	/** Change even when the audit log cannot be written; default false: such a change is refused. */
	allowNoAudit?: boolean;
	now(): number;
	/** Waits between nginx -t attempts while a server's name does not resolve; default a timer. */
	sleep?: (ms: number) => Promise<void>;
}
