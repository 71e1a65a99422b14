import type {ProxyControl} from '../types.ts';
import type {Config} from '../../config.ts';
import type {ActionKind, ActionState, Notice, StepView} from './action-state.ts';
import type {Verdict} from '../../domain/figures.ts';
import {formatSplit, renderSplit, upstreamDiff, type Split} from '../../domain/upstream.ts';
import {applySplit, planChange, type ApplyResult, type ApplyStep} from './apply-weights.ts';
import {restartProxy} from './restart-proxy.ts';
import {observedAudit, type AuditEntry, type AuditLog} from './audit.ts';
import type {SplitSample, VerifyResult} from './split-sample.ts';
import {splitMatches} from './split-verify.ts';
import type {ChangeFiles, EventFile, OpenState} from './ports.ts';

// The one flow every weight change follows (lazydocker's confirm -> busy -> result):
// request -> confirm with the upstream diff -> applying, every step visible -> done.

export interface WeightActionDeps {
	config: Config;
	proxy: ProxyControl;
	now: () => number;
	current: () => Split | null;
	verdict: () => Verdict | null;
	/** The last split sample, to tell whether the traffic follows the file. */
	observed: () => SplitSample | null;
	sample: (split: Split) => Promise<VerifyResult>;
	onChange: () => void;
	onApplied: (to: Split) => void;
	notice: (level: Notice['level'], text: string) => void;
	/** Opens the deployment's state directory: lock, backups, audit log. */
	openState: OpenState;
	/** Hears every audit entry written (the timeline). */
	audited?: (entry: AuditEntry) => void;
}

export class WeightActions {
	state: ActionState = {phase: 'idle'};
	/** Splits left behind by this console's changes, newest last (for undo). */
	readonly history: Split[] = [];
	readonly audit: AuditLog;
	/** The deployment's state directory: lock, backups, saved logs (and by default the audit log). */
	readonly stateDir: string;
	/** The deployment's lock and backups: the emergency actions take the same lock. */
	readonly files: ChangeFiles;
	/** The deployment's timeline file, when the state directory keeps one. */
	readonly events: EventFile | undefined;
	private hostText: string | null = null;
	private running: Promise<unknown> | null = null;
	private automatic = false;
	private reason = '';

	constructor(private readonly deps: WeightActionDeps) {
		const state = deps.openState(deps.config, deps.proxy.configPath);
		this.stateDir = state.stateDir;
		this.audit = deps.audited ? observedAudit(state.audit, deps.audited) : state.audit;
		this.files = state.files;
		this.events = state.events;
	}

	get busy(): boolean {
		return this.state.phase === 'applying';
	}

	/**
	 * Waits for a change in flight to finish (or the timeout). Quitting mid-change would leave the
	 * file written but not reloaded, and an audit log that ends on 'started'.
	 */
	async settle(timeoutMs: number): Promise<boolean> {
		if (!this.running) return true;
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<false>((resolve) => {
			timer = setTimeout(() => resolve(false), timeoutMs);
		});
		const done = await Promise.race([this.running.then(() => true, () => true), timeout]);
		clearTimeout(timer);
		return done;
	}

	/** Plans a change and asks for confirmation; a change that does not apply says why. */
	async request(kind: ActionKind, to?: Split, options: {automatic?: boolean; reason?: string} = {}): Promise<ActionState> {
		if (this.busy) {
			this.deps.notice('warn', 'a weight change is already running: wait for it to finish');
			return this.state;
		}
		const current = this.deps.current();
		if (!current) {
			this.deps.notice('warn', `cannot change weights: the upstream ${this.deps.config.upstream} in ${this.deps.proxy.configPath} could not be read`);
			return this.state;
		}
		const observed = this.deps.observed();
		const unapplied = observed !== null && observed.stable + observed.canary >= 20 && !splitMatches(observed, current);
		const plan = planChange(kind, current, this.deps.config.stages, this.history, to, unapplied);
		if ('refusal' in plan) {
			this.deps.notice('warn', plan.refusal);
			return this.state;
		}
		let hostText: string;
		try {
			hostText = await this.deps.proxy.readHost();
		} catch (error) {
			this.deps.notice('error', `cannot read ${this.deps.proxy.configPath}: ${(error as Error).message}`);
			return this.state;
		}
		const rendered = renderSplit(hostText, this.deps.config.upstream, this.deps.config.roles, plan.to);
		if ('error' in rendered) {
			this.deps.notice('error', `cannot write ${formatSplit(plan.to)}: ${rendered.error}`);
			return this.state;
		}
		this.hostText = hostText;
		this.automatic = options.automatic ?? false;
		this.reason = options.reason ?? '';
		const diff = upstreamDiff(hostText, rendered.text, this.deps.config.upstream, this.deps.config.roles);
		this.set({phase: 'confirm', kind, from: current, to: plan.to, diff, automatic: this.automatic});
		return this.state;
	}

	/**
	 * An audit log that ends on 'started' means a change was cut short (the console was
	 * killed): the file may be ahead of what nginx runs. Returns what to tell the user, or null.
	 */
	async interrupted(): Promise<string | null> {
		const last = await this.audit.lastLine();
		if (!last) return null;
		try {
			const entry = JSON.parse(last) as {outcome?: string; from?: string; to?: string; time?: string; user?: string};
			if (entry.outcome !== 'started') return null;
			return `the last weight change (${entry.from} -> ${entry.to} by ${entry.user} at ${entry.time}) did not finish: nginx may still run the old weights. Check the sampled split (s) and set ${entry.to} again (w) to re-apply it.`;
		} catch {
			return null;
		}
	}

	cancel(): void {
		if (this.state.phase === 'confirm' || this.state.phase === 'confirm-restart' || this.state.phase === 'done') {
			this.set({phase: 'idle'});
		}
	}

	/** Runs the confirmed change; resolves with the result when every step has run. */
	confirm(): Promise<ApplyResult | null> {
		return this.track(this.apply());
	}

	/** Remembers the flow in flight, so settle() can wait for it. */
	private track(run: Promise<ApplyResult | null>): Promise<ApplyResult | null> {
		this.running = run;
		void run.finally(() => {
			if (this.running === run) this.running = null;
		});
		return run;
	}

	private async apply(): Promise<ApplyResult | null> {
		const state = this.state;
		if (state.phase !== 'confirm') return null;
		const {kind, from, to} = state;
		const steps: StepView[] = [];
		this.set({phase: 'applying', kind, from, to, steps});
		const onStep = (step: ApplyStep) => {
			const existing = steps.findIndex((entry) => entry.name === step.name);
			const view: StepView = {name: step.name, state: step.state, message: step.message};
			if (existing >= 0) steps[existing] = view;
			else steps.push(view);
			this.set({phase: 'applying', kind, from, to, steps: steps.slice()});
		};
		const verdict = this.deps.verdict();
		const result = await applySplit(
			{
				proxy: this.deps.proxy,
				audit: this.audit,
				sampler: (split: Split) => this.deps.sample(split),
				upstream: this.deps.config.upstream,
				roles: this.deps.config.roles,
				files: this.files,
				allowNoAudit: this.deps.config.allowNoAudit,
				now: this.deps.now,
			},
			{
				action: this.automatic ? (kind === 'rollback' ? 'auto-rollback' : 'auto-promote') : kind,
				to,
				expectedHostText: this.hostText ?? undefined,
				automatic: this.automatic,
				reason: this.reason || `${kind} ${formatSplit(from)} -> ${formatSplit(to)}`,
				verdict: verdict ? {overall: verdict.overall, reason: verdict.reason, checks: verdict.checks} : null,
			},
			onStep,
		);
		if (result.outcome === 'verified' || result.outcome === 'not-verified') {
			this.history.push(from);
			this.deps.onApplied(to);
		}
		// A change that worked but could not be recorded is still a problem worth shouting about.
		const message = result.auditError ? `${result.message} (audit log not written: ${result.auditError})` : result.message;
		this.set({
			phase: 'done',
			kind,
			from,
			to,
			steps: steps.slice(),
			outcome: result.outcome,
			message,
			restartOffered: result.restartOffered ?? false,
			diff: result.diff ?? [],
		});
		this.deps.notice(result.outcome === 'verified' && !result.auditError ? 'info' : 'error', `${kind} ${formatSplit(from)} -> ${formatSplit(to)}: ${result.outcome}: ${message}`);
		return {...result, message};
	}

	requestRestart(): void {
		const name = this.deps.config.docker.names.nginx;
		this.set({phase: 'confirm-restart', message: `Restart ${name} to reconnect its config file? Traffic is interrupted for a moment.`});
	}

	confirmRestart(): Promise<ApplyResult | null> {
		return this.track(this.restart());
	}

	private async restart(): Promise<ApplyResult | null> {
		if (this.state.phase !== 'confirm-restart') return null;
		this.set({phase: 'applying', kind: 'set', from: this.deps.current() ?? {stable: 0, canary: 0}, to: this.deps.current() ?? {stable: 0, canary: 0}, steps: [{name: 'restart', state: 'running', message: 'restarting the proxy'}]});
		const result = await restartProxy({proxy: this.deps.proxy, audit: this.audit, now: this.deps.now, upstream: this.deps.config.upstream, roles: this.deps.config.roles, files: this.files, allowNoAudit: this.deps.config.allowNoAudit});
		this.set({phase: 'idle'});
		this.deps.notice(result.ok ? 'info' : 'error', result.message);
		return result;
	}

	private set(state: ActionState): void {
		this.state = state;
		this.deps.onChange();
	}
}
