import type {AutomationSnapshot} from './monitor-port.ts';
import type {Verdict} from '../../domain/figures.ts';
import {formatSplit} from '../../domain/upstream.ts';
import type {NotifyEvent} from './notify.ts';

// What the webhooks hear about: a verdict turning FAIL or ROLL BACK, the weights changing
// (made here or by anyone else) and the outcome of every weight change.

export class RolloutEvents {
	private wasFailing = false;
	private wasRollBack = false;
	private seenSplit: string | null = null;
	private seenAction: unknown = null;

	constructor(private readonly notifier: {notify(event: NotifyEvent): void} | undefined) {}

	/** A recorded window: announces the edge into failing, not every failing window. */
	verdict(verdict: Verdict, window: {failed: string[]; budgetUsed: number; split: string | null}): void {
		const failing = window.failed.length > 0;
		const rollBack = verdict.overall === 'ROLL BACK';
		if ((failing && !this.wasFailing) || (rollBack && !this.wasRollBack)) {
			this.notifier?.notify({
				type: 'verdict-fail',
				text: `${verdict.overall}: ${verdict.reason}`,
				details: {overall: verdict.overall, reason: verdict.reason, failed: window.failed, budgetUsed: window.budgetUsed, split: window.split},
			});
		}
		this.wasFailing = failing;
		this.wasRollBack = rollBack;
	}

	/** Returns true when the configured weights changed since the last snapshot seen. */
	observe(snapshot: AutomationSnapshot): boolean {
		let stageChanged = false;
		const split = snapshot.split.configured ? formatSplit(snapshot.split.configured) : null;
		if (split !== null) {
			if (this.seenSplit !== null && split !== this.seenSplit) {
				this.notifier?.notify({type: 'stage-change', text: `weights changed ${this.seenSplit} -> ${split}`, details: {from: this.seenSplit, to: split}});
				stageChanged = true;
			}
			this.seenSplit = split;
		}
		const action = snapshot.action;
		if (action.phase === 'done' && action !== this.seenAction) {
			this.seenAction = action;
			const outcome = action.outcome;
			if (outcome === 'verified' || outcome === 'not-verified' || outcome === 'failed') {
				const type = outcome === 'verified' ? 'change-verified' : 'change-not-verified';
				const [from, to] = [formatSplit(action.from), formatSplit(action.to)];
				this.notifier?.notify({type, text: `${action.kind} ${from} -> ${to}: ${outcome}: ${action.message}`, details: {kind: action.kind, from, to, outcome}});
			}
		}
		return stageChanged;
	}
}
