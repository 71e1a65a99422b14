import type {EngineRole} from '../types.ts';
import type {Config} from '../../config.ts';
import type {EnginePoller} from './engine-poller.ts';
import type {LogStore} from './log-store.ts';
import type {EngineView, ReplicaCard} from './snapshot.ts';
import {findOutliers, outlierRules, type OutlierRules} from '../../domain/outliers.ts';
import {conditionOf} from './verdict-input.ts';

function replicaCards(poller: EnginePoller, rules: OutlierRules): {replicas?: ReplicaCard[]} {
	const views = poller.replicaViews();
	if (views.length === 0) return {};
	const outliers = findOutliers(views, rules);
	return {
		replicas: views.map((view) => ({
			id: view.id,
			requests: view.figures?.requests ?? null,
			p95Ms: view.figures?.p95 ? view.figures.p95.seconds * 1000 : null,
			ratio5xx: view.figures?.ratio5xx ?? null,
			memPercent: view.memPercent,
			restarts: view.restarts,
			health: view.health?.status ?? 'unknown',
			problem: view.problem,
			outlier: outliers.find((outlier) => outlier.id === view.id)?.reason ?? null,
		})),
	};
}

// Each engine's card data for the snapshot: the same object while nothing in it changed, so the
// screen can skip unchanged panels.
export class EngineViews {
	private readonly views: Partial<Record<EngineRole, {key: string; view: EngineView}>> = {};

	constructor(
		private readonly pollers: Record<EngineRole, EnginePoller>,
		private readonly logStore: LogStore,
		private readonly config: Config,
	) {}

	get(role: EngineRole): EngineView {
		const poller = this.pollers[role];
		const stream = this.logStore.streams[role];
		const lifecycle = poller.lifecycleWindow(this.config.windowSec);
		const key = `${poller.version}|${stream.state}|${stream.message}|${this.logStore.dropped(role)}|${lifecycle.exits}|${lifecycle.ooms}|${lifecycle.state}`;
		const cached = this.views[role];
		if (cached && cached.key === key) return cached.view;
		const view: EngineView = {
			role,
			url: poller.url,
			probe: poller.probe,
			health: poller.health,
			figures: poller.figures,
			resources: poller.resources,
			resourcesError: poller.resourcesError,
			series: poller.series.slice(),
			logs: {...stream, dropped: this.logStore.dropped(role)},
			lifecycle,
			condition: conditionOf(lifecycle, poller.health?.status ?? 'unknown', this.config.thresholds.restartsFail),
			...replicaCards(poller, outlierRules(this.config.thresholds)),
		};
		this.views[role] = {key, view};
		return view;
	}
}
