import type {Clock, EngineRole} from '../types.ts';
import type {Config} from '../../config.ts';
import {EnginePoller} from './engine-poller.ts';
import {getProfile, INVOLUTION_PROFILE} from '../../domain/profiles.ts';
import {replicasOf} from '../../domain/replicas.ts';
import {configuredPrometheus} from './prometheus-metrics.ts';
import type {MonitorDeps} from './monitor-deps.ts';

/**
 * One poller per role: each replica's /metrics scraped (or Prometheus asked, when configured),
 * health and stats read, over the config's window and history.
 */
export function createPollers(config: Config, deps: MonitorDeps, clock: Clock): Record<EngineRole, EnginePoller> {
	const profile = getProfile(config.profile) ?? INVOLUTION_PROFILE;
	const remote = deps.prometheus && configuredPrometheus(deps.prometheus, config, profile);
	const replicas = replicasOf(config);
	const make = (role: EngineRole) =>
		new EnginePoller(role, replicas[role].length === 1 ? (replicas[role][0]!.metricsUrl ?? config.urls[role]) : config.urls[role], {
			replicas: replicas[role].map((replica) => ({id: replica.id, url: replica.metricsUrl})),
			http: deps.http,
			stats: deps.stats,
			profile,
			windowSec: config.windowSec,
			historyMs: config.historyMinutes * 60_000,
			now: () => clock.now(),
			remote,
		});
	return {stable: make('stable'), canary: make('canary')};
}
