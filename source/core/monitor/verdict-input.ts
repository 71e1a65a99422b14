import type {Config} from '../../config.ts';
import type {EngineRole} from '../types.ts';
import type {EnginePoller} from './engine-poller.ts';
import type {WeightsWatch} from './weights-watch.ts';
import type {LifecycleWindow} from '../../domain/lifecycle.ts';
import type {VerdictInput} from '../../domain/verdict.ts';
import {verdictPatterns, type PatternRow} from '../../domain/error-diff.ts';
import {outlierRules, replicasRow} from '../../domain/outliers.ts';
import type {Row} from '../../domain/verdict-checks.ts';

// What the verdict judges, gathered from the Monitor's parts over one analysis window.

export function buildVerdictInput(parts: {config: Config; pollers: Record<EngineRole, EnginePoller>; weights: WeightsWatch; patterns: PatternRow[]; now: number}): VerdictInput {
	const {config, pollers, weights, now} = parts;
	const seconds = config.windowSec;
	const side = (role: EngineRole) => {
		const poller = pollers[role];
		return {
			window: poller.figures,
			health: poller.health,
			healthWindow: poller.healthWindow(seconds),
			memory: poller.memoryReading(),
			memoryPeakPct: poller.memoryPeak(seconds),
			lifecycle: poller.lifecycleWindow(seconds),
		};
	};
	const configured = weights.configured;
	return {
		stable: side('stable'),
		canary: side('canary'),
		errorPatterns: verdictPatterns(parts.patterns),
		thresholds: config.thresholds,
		now,
		windowSec: seconds,
		// Since the last change seen: a split read at start has been in force for a while already.
		configured: configured ? {split: configured, since: weights.changes.at(-1) ?? 0} : null,
		soakRemainingMs: Math.max(0, weights.enteredAt + config.soakMinutes * 60_000 - now),
		// Replicas: one far from its siblings is named (outliers.ts); a single pair has no such row.
		...replicaChecks(pollers, seconds, config.thresholds),
	};
}

function replicaChecks(pollers: Record<EngineRole, EnginePoller>, seconds: number, thresholds: Config['thresholds']): {extraChecks?: Row[]} {
	const row = replicasRow({stable: pollers.stable.replicaViews(), canary: pollers.canary.replicaViews()}, seconds, outlierRules(thresholds));
	return row ? {extraChecks: [row]} : {};
}

/** The card's word for an engine: what the runtime did to it outranks what its /healthz says. */
export function conditionOf(lifecycle: LifecycleWindow, health: string, crashLoopAt: number): string {
	if (lifecycle.ooms > 0) return 'OOM killed';
	if (lifecycle.exits >= crashLoopAt) return 'crash loop';
	if (lifecycle.state === 'restarting' || lifecycle.state === 'exited') return 'restarting';
	if (lifecycle.state === 'missing') return 'missing';
	if (lifecycle.exits > 0) return health === 'healthy' ? 'restarted' : health;
	return health;
}
