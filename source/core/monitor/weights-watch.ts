import type {ProxyControl} from '../types.ts';
import type {Config} from '../../config.ts';
import {findUpstream, readSplit, splitEquals, type Split} from '../../domain/upstream.ts';

// The weights the config file sets, read on every poll: a change (made here or by anyone
// else) starts a new stage, marks the charts and resets the failure budget.

export class WeightsWatch {
	configured: Split | null = null;
	error: string | null = null;
	enteredAt: number;
	/** Replaced, never mutated: the charts compare it by reference. */
	changes: readonly number[] = [];

	constructor(
		private readonly deps: {config: Config; proxy: ProxyControl; now: () => number; onChange: () => void},
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
			if (this.configured) this.changed(split);
			this.configured = split;
		} catch (error) {
			this.error = `cannot read ${proxy.configPath}: ${(error as Error).message}`;
		}
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
