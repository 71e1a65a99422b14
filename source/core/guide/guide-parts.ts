import type {Monitor} from '../monitor/monitor.ts';
import type {ProxyControl} from '../types.ts';
import type {ContainerControl} from './containers.ts';
import type {RedisSource} from './redis-source.ts';
import {Emergency} from './emergency.ts';
import {EmergencyFlow} from './emergency-flow.ts';
import {RedisWatch} from './redis-watch.ts';
import {ProbeWatch} from './probe-watch.ts';
import {Troubleshooter} from './troubleshoot.ts';

// The parts beside the Monitor that cover the rest of the guide: its emergency procedures,
// Redis, and the A/B probes. The runtime makes them; the screen and the headless commands use them.

export interface GuideParts {
	emergency: Emergency;
	/** The screen's emergency menu. */
	flow: EmergencyFlow;
	proxy: ProxyControl;
	containers: ContainerControl;
	/** Redis beside the engines; null when the deployment has none (then `redisNote` says why). */
	redis: RedisWatch | null;
	redisNote: string;
	/** The A/B probes and the response drift they measure. */
	probes: ProbeWatch;
	/** The troubleshooting view's sections, read on a key. */
	troubleshoot: Troubleshooter;
}

export interface GuideOptions {
	redis?: {source: RedisSource; name: string} | {note: string};
}

export function createGuideParts(monitor: Monitor, proxy: ProxyControl, containers: ContainerControl, options: GuideOptions = {}): GuideParts {
	const {config} = monitor;
	const emergency = new Emergency({config, actions: monitor.actions, proxy, containers, verifySplit: monitor.verifySplit, now: Date.now, notice: (level, text) => monitor.notice(level, text)});
	let redis: RedisWatch | null = null;
	if (options.redis && 'source' in options.redis) {
		redis = new RedisWatch({source: options.redis.source, name: options.redis.name, windowSec: config.windowSec, latencyWarnMs: config.redis.latencyWarnMs});
		monitor.attach(redis);
	}
	const probes = new ProbeWatch({config});
	monitor.attach(probes);
	const redisNote = options.redis && 'note' in options.redis ? options.redis.note : redis ? '' : 'Redis not watched';
	return {emergency, flow: new EmergencyFlow(emergency, () => monitor.getSnapshot().split.configured), proxy, containers, redis, redisNote, probes, troubleshoot: new Troubleshooter({config, proxy, containers, audit: monitor.actions.audit})};
}
