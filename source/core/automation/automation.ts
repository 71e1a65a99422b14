// The analysis loop on top of a Monitor: records a verdict every analysis interval, keeps the
// history, tracks the soak of the current stage, and, only when asked to (--auto-rollback,
// --auto-promote), changes weights through the same flow as the b and p keys. INCONCLUSIVE
// never triggers anything. Every automatic change is audited with its reason and announced.
//
// The Monitor must not run its own analysis timer while this runs, or every window would be
// counted twice against the failure budget.

import type {AutomationView} from '../monitor/snapshot.ts';
import type {AutomatedMonitor, AutomationSnapshot} from './monitor-port.ts';
import {checksPass, type Overall, type Verdict} from '../../domain/figures.ts';
import {formatSplit, nextStage} from '../../domain/upstream.ts';
import type {NotifyEvent} from './notify.ts';
import {RolloutEvents} from './rollout-events.ts';

export interface AutomationOptions {
	autoRollback?: boolean;
	autoPromote?: boolean;
	/** Default: config.analysisIntervalSec. */
	intervalMs?: number;
	/** READY TO PROMOTE windows in a row before an automatic promotion (K). Default 3. */
	promoteAfterWindows?: number;
	/** Default: config.soakMinutes. */
	soakMinutes?: number;
	/** Per-stage soak in minutes, keyed by split as written in stages: {"90/10": 240}. */
	stageSoakMinutes?: Record<string, number>;
	notifier?: {notify(event: NotifyEvent): void};
	/** Windows kept in history. Default 5000. */
	historySize?: number;
	now?: () => number;
}

export interface WindowRecord {
	at: number;
	overall: Overall;
	reason: string;
	/** Ids of the checks that FAILED in this window. */
	failed: string[];
	/** Consecutive failed windows of the worst check (the budget spent so far). */
	budgetUsed: number;
	split: string | null;
}

export interface SoakState {
	stageEnteredAt: number;
	soakMs: number;
	remainingMs: number;
	/** The minimum soak of this stage has passed. */
	ready: boolean;
}

export interface AutomationAction {
	kind: 'rollback' | 'promote';
	at: number;
	reason: string;
	/** 'refused' when the flow would not start; else the apply outcome. */
	outcome: string;
	message: string;
}

export interface AutomationState {
	/** The newest windows, oldest first (at most 10). */
	lastVerdicts: WindowRecord[];
	consecutiveFails: number;
	failureBudget: number;
	soak: SoakState;
	/** Soak passed and the last K windows were READY TO PROMOTE, and a next stage exists. */
	readyToPromote: boolean;
	promoteAfterWindows: number;
	autoRollback: boolean;
	autoPromote: boolean;
	/** Why automatic promotion is off for now (after an automatic rollback), else null. */
	promotionHeld: string | null;
	/** A change this loop started and has not finished. */
	acting: boolean;
	lastAction: AutomationAction | null;
	windows: number;
}

const SHOWN = 10;

export class Automation {
	readonly history: WindowRecord[] = [];
	readonly actions: AutomationAction[] = [];
	private readonly options: Required<Omit<AutomationOptions, 'notifier' | 'stageSoakMinutes' | 'now'>> & Pick<AutomationOptions, 'notifier' | 'stageSoakMinutes'>;
	private readonly now: () => number;
	private timer: NodeJS.Timeout | undefined;
	private unsubscribe: (() => void) | undefined;
	private acting: Promise<void> | null = null;
	private consecutiveFails = 0;
	private lastAction: AutomationAction | null = null;
	private promotionHeld: string | null = null;
	private readyAnnouncedFor: string | null = null;
	private lastAnalysedAt = 0;
	private doubleCountWarned = false;
	private readonly events: RolloutEvents;

	constructor(
		private readonly monitor: AutomatedMonitor,
		options: AutomationOptions = {},
	) {
		const config = monitor.config;
		this.options = {
			autoRollback: options.autoRollback ?? false,
			autoPromote: options.autoPromote ?? false,
			intervalMs: options.intervalMs ?? config.analysisIntervalSec * 1000,
			promoteAfterWindows: Math.max(1, options.promoteAfterWindows ?? 3),
			soakMinutes: options.soakMinutes ?? config.soakMinutes,
			historySize: options.historySize ?? 5000,
			stageSoakMinutes: options.stageSoakMinutes,
			notifier: options.notifier,
		};
		this.now = options.now ?? Date.now;
		this.events = new RolloutEvents(options.notifier);
		if (!(this.options.intervalMs > 0)) {
			// A Monitor built with analysisIntervalSec 0 (its own timer off) passes that config here.
			throw new Error(`automation needs an analysis interval: pass intervalMs (got ${this.options.intervalMs})`);
		}
	}

	/**
	 * Starts the loop (the Monitor is started by its owner). timer:false only watches for
	 * stage changes and change outcomes: the caller drives tick() itself (the gate does).
	 */
	start(options: {timer?: boolean} = {}): void {
		if (!this.unsubscribe) {
			const unsubscribe = this.monitor.subscribe(() => this.observe(this.monitor.getSnapshot()));
			const notes = this.monitor.timeline?.onAdd((event) => {
				if (event.kind === 'note') this.options.notifier?.notify({type: 'note', at: event.at, text: `note by ${event.source}: ${event.text}`, details: {by: event.source, note: event.text}});
			});
			this.unsubscribe = () => (unsubscribe(), notes?.());
		}
		if (this.timer || options.timer === false) return;
		this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
		this.timer.unref?.();
	}

	get intervalMs(): number {
		return this.options.intervalMs;
	}

	/** Stops the loop; resolves when a change it started has finished. */
	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		this.unsubscribe?.();
		this.unsubscribe = undefined;
		await this.acting;
	}

	get state(): AutomationState {
		const snapshot = this.monitor.getSnapshot();
		const soak = this.soakAt(snapshot, this.now());
		return {
			lastVerdicts: this.history.slice(-SHOWN),
			consecutiveFails: this.consecutiveFails,
			failureBudget: Math.max(1, Math.round(this.monitor.config.thresholds.failureBudget)),
			soak,
			readyToPromote: this.promotable(snapshot, soak),
			promoteAfterWindows: this.options.promoteAfterWindows,
			autoRollback: this.options.autoRollback,
			autoPromote: this.options.autoPromote,
			promotionHeld: this.promotionHeld,
			acting: this.acting !== null,
			lastAction: this.lastAction,
			windows: this.history.length,
		};
	}

	/** The part of the state the screen shows. */
	view(): AutomationView {
		const state = this.state;
		const last = state.lastAction;
		return {
			autoRollback: state.autoRollback,
			autoPromote: state.autoPromote,
			soakRemainingMs: state.soak.remainingMs,
			readyToPromote: state.readyToPromote,
			consecutiveFails: state.consecutiveFails,
			failureBudget: state.failureBudget,
			promotionHeld: state.promotionHeld,
			lastAction: last ? {kind: last.kind, at: last.at, outcome: last.outcome, reason: last.reason} : null,
		};
	}

	/** The soak of the current stage at a given time (the header's countdown). */
	soakAt(snapshot: AutomationSnapshot, now: number): SoakState {
		const split = snapshot.split.configured ? formatSplit(snapshot.split.configured) : null;
		const minutes = (split !== null ? this.options.stageSoakMinutes?.[split] : undefined) ?? this.options.soakMinutes;
		const soakMs = Math.max(0, minutes * 60_000);
		const remainingMs = Math.max(0, snapshot.stage.enteredAt + soakMs - now);
		return {stageEnteredAt: snapshot.stage.enteredAt, soakMs, remainingMs, ready: remainingMs === 0};
	}

	/**
	 * One analysis window: records the verdict against the failure budget, then acts if asked
	 * to. Resolves when the window is recorded; a change it starts runs on in the background
	 * (see settled()).
	 */
	async tick(): Promise<WindowRecord> {
		this.checkDoubleCounting();
		const verdict = this.monitor.analyse();
		this.lastAnalysedAt = verdict.at;
		const snapshot = this.monitor.current();
		const record = this.record(verdict, snapshot);
		this.events.verdict(verdict, record);
		this.observe(snapshot);
		if (!this.acting && !this.monitor.actions.busy) {
			if (record.overall === 'ROLL BACK') this.onRollBack(record);
			else this.considerPromotion(snapshot);
		}
		return record;
	}

	/** Resolves when no change started by this loop is running. */
	async settled(): Promise<void> {
		while (this.acting) await this.acting;
	}

	private record(verdict: Verdict, snapshot: AutomationSnapshot): WindowRecord {
		const failed = verdict.checks.filter((row) => row.state === 'FAIL');
		// Over all checks: a NO DATA window keeps a check's run of failures (it neither extends nor ends it).
		const budgetUsed = verdict.checks.reduce((most, row) => Math.max(most, row.budget.used), 0);
		this.consecutiveFails = budgetUsed;
		const record: WindowRecord = {
			at: verdict.at,
			overall: verdict.overall,
			reason: verdict.reason,
			failed: failed.map((row) => row.id),
			budgetUsed,
			split: snapshot.split.configured ? formatSplit(snapshot.split.configured) : null,
		};
		this.history.push(record);
		if (this.history.length > this.options.historySize) this.history.shift();
		return record;
	}

	private onRollBack(record: WindowRecord): void {
		if (!this.options.autoRollback) return;
		const reason = `automatic rollback after ${record.budgetUsed} failed windows in a row: ${record.reason}`;
		this.run('rollback', reason);
	}

	private considerPromotion(snapshot: AutomationSnapshot): void {
		const soak = this.soakAt(snapshot, this.now());
		if (!this.promotable(snapshot, soak)) return;
		const split = formatSplit(snapshot.split.configured!);
		const k = this.options.promoteAfterWindows;
		const reason = `automatic promotion: soaked ${Math.round(soak.soakMs / 60_000)} min at ${split}, last ${k} windows READY TO PROMOTE`;
		if (this.options.autoPromote && !this.promotionHeld) {
			// Never take over a dialog a person has open.
			const phase = this.monitor.actions.state.phase;
			if (phase === 'idle' || phase === 'done') this.run('promote', reason);
			return;
		}
		if (this.readyAnnouncedFor !== split) {
			this.readyAnnouncedFor = split;
			this.monitor.notice('info', `ready to promote from ${split}: soak of ${Math.round(soak.soakMs / 60_000)} min passed and the last ${k} windows were READY TO PROMOTE (press p)`);
		}
	}

	private promotable(snapshot: AutomationSnapshot, soak: SoakState): boolean {
		const configured = snapshot.split.configured;
		if (!configured || !soak.ready) return false;
		if (!nextStage(configured, this.monitor.config.stages)) return false;
		const k = this.options.promoteAfterWindows;
		const split = formatSplit(configured);
		const recent = this.history.slice(-k);
		// The K windows must all be of this stage and of its soak: an older stage proves nothing.
		return recent.length === k && recent.every((w) => checksPass(w.overall) && w.split === split && w.at >= soak.stageEnteredAt);
	}

	private run(kind: 'rollback' | 'promote', reason: string): void {
		const work = this.change(kind, reason).finally(() => {
			this.acting = null;
		});
		this.acting = work;
	}

	private async change(kind: 'rollback' | 'promote', reason: string): Promise<void> {
		const actions = this.monitor.actions;
		const at = this.now();
		if (kind === 'rollback') {
			this.monitor.notice('error', `AUTOMATIC ROLLBACK: ${reason}`);
			this.promotionHeld = `automatic rollback at ${new Date(at).toISOString()}: promote by hand (p) when the canary is fixed`;
		} else {
			this.monitor.notice('warn', `AUTOMATIC PROMOTION: ${reason}`);
		}
		// Audited as 'auto-rollback' or 'auto-promote', with the reason.
		const state = await actions.request(kind, undefined, {automatic: true, reason});
		if (state.phase !== 'confirm') {
			const why = this.monitor.current().notices.at(-1)?.text ?? 'the change was refused';
			this.finish({kind, at, reason, outcome: 'refused', message: why});
			return;
		}
		const from = formatSplit(state.from);
		const to = formatSplit(state.to);
		if (kind === 'rollback') {
			this.options.notifier?.notify({type: 'auto-rollback', text: `automatic rollback ${from} -> ${to}: ${reason}`, details: {from, to, reason}});
		}
		const result = await actions.confirm();
		if (!result) {
			this.finish({kind, at, reason, outcome: 'failed', message: 'the change did not start'});
			return;
		}
		this.finish({kind, at, reason, outcome: result.outcome, message: result.message});
		if (result.outcome !== 'verified') {
			this.monitor.notice('error', `automatic ${kind} ${from} -> ${to} ${result.outcome}: ${result.message}`);
		}
	}

	private finish(action: AutomationAction): void {
		this.lastAction = action;
		this.actions.push(action);
		if (action.outcome === 'refused') this.monitor.notice('error', `automatic ${action.kind} refused: ${action.message}`);
	}

	/** Stage changes (from any source) and change outcomes go to the webhooks. */
	private observe(snapshot: AutomationSnapshot): void {
		if (this.events.observe(snapshot)) this.readyAnnouncedFor = null;
	}

	/** Verdicts recorded since our last window that we did not record: the Monitor's own timer runs too. */
	private checkDoubleCounting(): void {
		if (this.doubleCountWarned || this.lastAnalysedAt === 0) return;
		const foreign = this.monitor.getSnapshot().verdictHistory.filter((entry) => entry.at > this.lastAnalysedAt).length;
		if (foreign > 0) {
			this.doubleCountWarned = true;
			this.monitor.notice('warn', 'the verdict is recorded by two timers: failed windows count twice against the budget (the Monitor analysis timer must be off while automation runs)');
		}
	}
}
