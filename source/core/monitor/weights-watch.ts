import type {ProxyControl} from '../types.ts';
import type {Config} from '../../config.ts';
import {findUpstream, readSplit, splitEquals, type Split} from '../../domain/upstream.ts';
import {stageStart, type AuditedChange, type StageStart} from './stage-clock.ts';

// The weights the config file sets, read on every poll: a change (made here or by anyone
// else) starts a new stage, marks the charts and resets the failure budget. The stage's start
// comes from the audit log when it holds the change that set these weights (stage-clock.ts).

export interface StageDating {
	/** The newest audited change of the deployment. */
	audited(): Promise<AuditedChange | null>;
	/** A change made here is being applied: a new split in the file is ours, dated by onApplied. */
	applying(): boolean;
	/** Where the stage was found to start (first read, or weights changed by someone else). */
	dated(start: StageStart, from: Split | null, to: Split): void;
}

export class WeightsWatch {
	configured: Split | null = null;
	error: string | null = null;
	enteredAt: number;
	/** Replaced, never mutated: the charts compare it by reference. */
	changes: readonly number[] = [];

	constructor(
		private readonly deps: {config: Config; proxy: ProxyControl; now: () => number; onChange: () => void; dating?: () => StageDating},
	) {
		this.enteredAt = deps.now();
	}

	async read(): Promise<void> {
		const {config, proxy} = this.deps;
		try {
			const block = findUpstream(await proxy.readHost(), config.upstream, config.roles);
			const split = 'error' in block ? block : readSplit(block);
			if ('error' in split) {
				this.error = split.error;
				return;
			}
			this.error = null;
			const from = this.configured;
			if (from && splitEquals(from, split)) return;
			if (from) this.changed(split);
			this.configured = split;
			if (!from || !this.deps.dating?.().applying()) await this.date(from, split);
		} catch (error) {
			this.error = `cannot read ${proxy.configPath}: ${(error as Error).message}`;
		}
	}

	private async date(from: Split | null, to: Split): Promise<void> {
		const dating = this.deps.dating?.();
		if (!dating) return;
		const start = stageStart(to, await dating.audited(), this.deps.now());
		// The file may have changed again while the log was read.
		if (!this.configured || !splitEquals(this.configured, to)) return;
		if (start.kind === 'audited' && start.at !== this.enteredAt) {
			this.enteredAt = start.at;
			this.deps.onChange();
		}
		dating.dated(start, from, to);
	}

	/** The file now sets `to` (a change applied here, or seen in the file). */
	changed(to: Split): void {
		if (this.configured && splitEquals(this.configured, to)) return;
		const at = this.deps.now();
		this.configured = to;
		this.enteredAt = at;
		this.changes = [...this.changes, at];
		this.deps.onChange();
	}

	stageIndex(stages: readonly Split[]): number | null {
		const configured = this.configured;
		if (!configured) return null;
		const index = stages.findIndex((stage) => splitEquals(stage, configured));
		return index >= 0 ? index : null;
	}
}
