// What a Monitor is built from: the ports of the outside world, picked by the composition root
// (runtime.ts) or a test.

import type {Clock, EngineRole, HttpProbe, LifecycleSource, LogSource, ProxyControl, RuntimeInfo, StatsSource} from '../types.ts';
import type {Config} from '../../config.ts';
import type {OpenState} from '../change/ports.ts';
import type {ServiceView} from './snapshot.ts';
import type {SplitSampler} from '../change/split-sample.ts';
import type {PromQuery} from './prometheus-metrics.ts';

export interface MonitorDeps {
	config: Config;
	http: HttpProbe;
	logs: LogSource;
	stats: StatsSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	clock?: Clock;
	/** Extra X-Upstream addresses (container IPs) that belong to each engine. */
	aliases?: Record<string, EngineRole>;
	/** The deployment's containers for the services strip (Docker only). */
	services?: () => Promise<ServiceView[]>;
	/** false when an Automation records the verdicts (it owns the analysis clock then). */
	analysisTimer?: boolean;
	/** Exits, OOM kills and starts of the engines (Docker events, the lab's supervisor). */
	lifecycle?: LifecycleSource;
	/** The deployment's state directory: lock, backups, audit log (adapters/files on disk). */
	openState: OpenState;
	/** Samples the split through the balancer (adapters/split-sampler.ts: HTTP). */
	splitSampler: SplitSampler;
	/** Prometheus' query API (adapters/prometheus-api.ts) when config.metrics.prometheus.url is set. */
	prometheus?: PromQuery;
}
