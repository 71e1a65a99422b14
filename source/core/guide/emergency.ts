import type {Config} from '../../config.ts';
import type {ProxyControl} from '../types.ts';
import type {ContainerControl, ContainerState, ContainerTarget} from './containers.ts';
import type {WeightActions} from '../change/weight-actions.ts';
import type {VerifyResult} from '../change/split-sample.ts';
import {auditEntry, summarizeSample, type AuditAction, type AuditOutcome} from '../change/audit.ts';
import {oneLine} from '../change/apply-steps.ts';
import {restartProxy} from '../change/restart-proxy.ts';
import {findUpstream, formatSplit, readSplit, type Split} from '../../domain/upstream.ts';
import {serversOf} from '../../domain/replicas.ts';

// The guide's emergency procedures as guarded actions: all traffic to stable (the rollback
// flow, verified), stop the canary (only once 100/0 is VERIFIED), restart nginx, restart
// Redis. Each says exactly what it will do before it runs, and each lands in the audit log.

export const EMERGENCY_ACTIONS = ['to-stable', 'stop-canary', 'restart-nginx', 'restart-redis'] as const;
export type EmergencyAction = (typeof EMERGENCY_ACTIONS)[number];

export const EMERGENCY_LABELS: Record<EmergencyAction, string> = {
	'to-stable': 'all traffic to stable (100/0, verified)',
	'stop-canary': 'stop the canary container (only once 100/0 is verified)',
	'restart-nginx': 'restart nginx',
	'restart-redis': 'restart Redis',
};

export interface EmergencyStep {
	name: string;
	state: 'running' | 'done' | 'failed';
	message: string;
}

export interface EmergencyResult {
	action: EmergencyAction;
	/** done: it did what was asked; refused: nothing was touched; failed: it tried and did not get there. */
	outcome: 'done' | 'refused' | 'failed' | 'not-verified';
	message: string;
	steps: EmergencyStep[];
	auditError?: string;
}

export interface EmergencyDeps {
	config: Config;
	actions: WeightActions;
	proxy: ProxyControl;
	containers: ContainerControl;
	/** Samples the balancer until it serves the split or the verify timeout passes. */
	verifySplit: (split: Split) => Promise<VerifyResult>;
	now: () => number;
	/** The header's notice line: every emergency action's result shows there too. */
	notice?: (level: 'info' | 'warn' | 'error', text: string) => void;
}

const ALL_STABLE: Split = {stable: 100, canary: 0};

export type Availability = {enabled: true} | {enabled: false; reason: string};

export class Emergency {
	/** Container states as last read (refresh()), for the menu's enabled/disabled lines. */
	states: Partial<Record<ContainerTarget, ContainerState>> = {};

	constructor(private readonly deps: EmergencyDeps) {}

	async refresh(): Promise<void> {
		const targets: ContainerTarget[] = ['canary', 'nginx', 'redis'];
		const read = await Promise.all(targets.map((target) => this.deps.containers.state(target)));
		this.states = Object.fromEntries(targets.map((target, index) => [target, read[index]]));
	}

	name(target: ContainerTarget): string {
		return this.deps.containers.name(target);
	}

	/** Whether an action makes sense now; the reason when it does not. `configured` is the split the file holds. */
	availability(action: EmergencyAction, configured: Split | null): Availability {
		if (this.deps.actions.busy) return {enabled: false, reason: 'a weight change is running: wait for it to finish'};
		const state = (target: ContainerTarget) => this.states[target];
		switch (action) {
			case 'to-stable':
				return configured ? {enabled: true} : {enabled: false, reason: `the upstream in ${this.deps.proxy.configPath} cannot be read`};
			case 'stop-canary': {
				if (!configured || configured.canary !== 0) return {enabled: false, reason: `the upstream says ${configured ? formatSplit(configured) : '?'}: send all traffic to stable first`};
				const canary = state('canary');
				if (canary && canary !== 'running' && canary !== 'restarting') return {enabled: false, reason: `${this.name('canary')} is ${canary}`};
				return {enabled: true};
			}
			case 'restart-nginx':
				return this.deps.proxy.restart ? {enabled: true} : {enabled: false, reason: `${this.deps.proxy.describe} cannot be restarted from here`};
			case 'restart-redis': {
				const redis = state('redis');
				return redis === 'missing' || redis === 'unknown' ? {enabled: false, reason: `no ${this.name('redis')} ${redis === 'missing' ? 'in this deployment' : 'reachable'}`} : {enabled: true};
			}
		}
	}

	/** Exactly what the action does, for its confirmation. */
	describe(action: EmergencyAction): string {
		const {config, proxy} = this.deps;
		const canary = this.name('canary');
		const nginx = this.name('nginx');
		switch (action) {
			case 'to-stable':
				return `Write 100/0 into the upstream ${config.upstream} of ${proxy.configPath} (${serversOf(config.roles, 'canary').join(', ')} marked down), run nginx -t, reload ${nginx}, read the file back as ${nginx} sees it, then sample ${config.sampleSize} requests through ${config.urls.balancer} until every answer comes from stable (at most ${Math.round(config.verifyTimeoutMs / 1000)} s). ${canary} keeps running. Recorded in the audit log as a rollback.`;
			case 'stop-canary':
				return `First prove 100/0: the upstream in ${proxy.configPath} says 100/0, ${nginx} reads that same file, and a sample of ${config.sampleSize} requests through ${config.urls.balancer} is answered by stable only. Then stop ${canary} (it stays stopped; the weights are not touched). Refused, with nothing stopped, when any of that does not hold. Recorded in the audit log.`;
			case 'restart-nginx':
				return `Restart ${nginx}: every connection through ${config.urls.balancer} is cut for a moment. Then wait until ${nginx} reads ${proxy.configPath} again. The weights are not changed. Recorded in the audit log.`;
			case 'restart-redis':
				return `Restart ${this.name('redis')}: both engines lose their Redis connection for a moment, and data it has not persisted is lost. The weights are not changed. Recorded in the audit log.`;
		}
	}

	async run(action: EmergencyAction, onStep: (steps: EmergencyStep[]) => void = () => {}): Promise<EmergencyResult> {
		const result = await this.perform(action, onStep);
		this.deps.notice?.(result.outcome === 'done' ? 'info' : result.outcome === 'refused' ? 'warn' : 'error', `emergency ${action}: ${result.outcome}: ${result.message}`);
		return result;
	}

	private async perform(action: EmergencyAction, onStep: (steps: EmergencyStep[]) => void): Promise<EmergencyResult> {
		const steps: EmergencyStep[] = [];
		const step = (name: string, state: EmergencyStep['state'], message: string) => {
			const index = steps.findIndex((s) => s.name === name);
			if (index >= 0) steps[index] = {name, state, message};
			else steps.push({name, state, message});
			onStep(steps.slice());
		};
		switch (action) {
			case 'to-stable':
				return this.toStable(step, steps);
			case 'restart-nginx': {
				const {config, actions, proxy} = this.deps;
				const result = await restartProxy(
					{proxy, audit: actions.audit, now: this.deps.now, files: actions.files, allowNoAudit: config.allowNoAudit, upstream: config.upstream, roles: config.roles},
					{reason: 'emergency: restart nginx'},
					(s) => step(s.name, s.state, s.message),
				);
				const outcome = result.ok ? 'done' : result.outcome === 'refused' ? 'refused' : 'failed';
				return {action, outcome, message: result.message, steps, auditError: result.auditError};
			}
			case 'stop-canary':
			case 'restart-redis':
				return this.guarded(action, step, steps);
		}
	}

	private async toStable(step: (name: string, state: EmergencyStep['state'], message: string) => void, steps: EmergencyStep[]): Promise<EmergencyResult> {
		const {actions} = this.deps;
		await actions.request('rollback', undefined, {reason: 'emergency: all traffic to stable'});
		if (actions.state.phase !== 'confirm') return {action: 'to-stable', outcome: 'refused', message: 'the rollback could not be planned (see the notices)', steps};
		const result = await actions.confirm();
		for (const s of result?.steps ?? []) step(s.name, s.state, s.message);
		if (!result) return {action: 'to-stable', outcome: 'failed', message: 'the rollback did not start', steps};
		const outcome = result.outcome === 'verified' ? 'done' : result.outcome === 'not-verified' ? 'not-verified' : result.outcome === 'refused' ? 'refused' : 'failed';
		return {action: 'to-stable', outcome, message: result.message, steps, auditError: result.auditError};
	}

	/** stop-canary and restart-redis: locked, refused before anything is touched when they cannot be recorded. */
	private async guarded(action: 'stop-canary' | 'restart-redis', step: (name: string, state: EmergencyStep['state'], message: string) => void, steps: EmergencyStep[]): Promise<EmergencyResult> {
		const {actions, config, containers} = this.deps;
		const target: ContainerTarget = action === 'stop-canary' ? 'canary' : 'redis';
		let verification: VerifyResult | null = null;
		const end = async (outcome: EmergencyResult['outcome'], message: string): Promise<EmergencyResult> => {
			const audited: AuditOutcome = outcome !== 'done' ? outcome : action === 'stop-canary' ? 'verified' : 'restored';
			const logged = await actions.audit.append(
				auditEntry({action: action as AuditAction, from: verification ? formatSplit(verification.sample.observed) : '?', to: verification ? '100/0' : '?', outcome: audited, reason: `emergency: ${message}`, verification: summarizeSample(verification?.sample)}, this.deps.now),
			);
			return {action, outcome, message, steps, ...(logged.ok ? {} : {auditError: logged.message})};
		};
		step('lock', 'running', 'taking the lock');
		const lock = await actions.files.lock();
		if (!lock.ok) {
			step('lock', 'failed', lock.message);
			return end('refused', lock.message);
		}
		try {
			step('lock', 'done', `locked by ${lock.holder.user}@${lock.holder.host}`);
			const writable = await actions.audit.check();
			if (!writable.ok && !config.allowNoAudit) {
				step('audit', 'failed', writable.message);
				return {action, outcome: 'refused', message: `${writable.message}; refused. Fix the audit log or allow it without a record (--allow-no-audit).`, steps};
			}
			if (action === 'stop-canary') {
				const proof = await this.proveAllStable(step);
				verification = proof.verification;
				if (!proof.ok) return end('refused', `${containers.name('canary')} not stopped: ${proof.reason}`);
			}
			const verb = action === 'stop-canary' ? 'stop' : 'restart';
			step(verb, 'running', `${verb === 'stop' ? 'stopping' : 'restarting'} ${containers.name(target)}`);
			const result = verb === 'stop' ? await containers.stop(target) : await containers.restart(target);
			if (!result.ok) {
				step(verb, 'failed', oneLine(result.output));
				return end('failed', `${verb} ${containers.name(target)} failed: ${oneLine(result.output)}`);
			}
			step(verb, 'done', oneLine(result.output) || `${containers.name(target)} ${verb === 'stop' ? 'stopped' : 'restarted'}`);
			return end('done', verb === 'stop' ? `${containers.name(target)} stopped after 100/0 was verified (${verification?.reason ?? ''})` : `${containers.name(target)} restarted`);
		} finally {
			await lock.release();
		}
	}

	/** 100/0 in the file, the same file in nginx, and a sample answered by stable only. */
	private async proveAllStable(step: (name: string, state: EmergencyStep['state'], message: string) => void): Promise<{ok: boolean; reason: string; verification: VerifyResult | null}> {
		const {proxy, config} = this.deps;
		step('read', 'running', `reading ${proxy.configPath}`);
		let host: string;
		try {
			host = await proxy.readHost();
		} catch (error) {
			step('read', 'failed', (error as Error).message);
			return {ok: false, reason: `cannot read ${proxy.configPath}: ${(error as Error).message}`, verification: null};
		}
		const block = findUpstream(host, config.upstream, config.roles);
		const split = 'error' in block ? block : readSplit(block);
		if ('error' in split) {
			step('read', 'failed', split.error);
			return {ok: false, reason: split.error, verification: null};
		}
		if (split.canary !== 0) {
			const reason = `the upstream says ${formatSplit(split)}, not 100/0: send all traffic to stable first (emergency to-stable)`;
			step('read', 'failed', reason);
			return {ok: false, reason, verification: null};
		}
		step('read', 'done', `the upstream says ${formatSplit(split)}`);
		step('check-seen', 'running', `reading the file as ${this.name('nginx')} sees it`);
		const seen = await proxy.readSeen().catch((error: Error) => error);
		if (seen instanceof Error || seen !== host) {
			const reason = seen instanceof Error ? seen.message : `${this.name('nginx')} reads a different file than ${proxy.configPath} (detached): restart nginx first`;
			step('check-seen', 'failed', reason);
			return {ok: false, reason, verification: null};
		}
		step('check-seen', 'done', `${this.name('nginx')} reads the same file`);
		step('verify', 'running', `sampling ${config.sampleSize} requests through ${config.urls.balancer}`);
		const verification = await this.deps.verifySplit(ALL_STABLE);
		if (!verification.verified) {
			step('verify', 'failed', verification.reason);
			return {ok: false, reason: `100/0 is NOT VERIFIED: ${verification.reason}`, verification};
		}
		step('verify', 'done', `VERIFIED: ${verification.reason}`);
		return {ok: true, reason: verification.reason, verification};
	}
}
