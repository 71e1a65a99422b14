import type {Monitor} from './monitor.ts';
import type {ProxyControl} from './types.ts';
import type {ContainerControl} from './containers.ts';
import {Emergency} from './emergency.ts';
import {EmergencyFlow} from './emergency-flow.ts';

// The parts beside the Monitor that cover the rest of the guide: its emergency procedures,
// and (added by the runtime when configured) Redis and the A/B probes. The screen and the
// headless commands get them from the runtime.

export interface GuideParts {
	emergency: Emergency;
	/** The screen's emergency menu. */
	flow: EmergencyFlow;
	proxy: ProxyControl;
	containers: ContainerControl;
}

export function createGuideParts(monitor: Monitor, proxy: ProxyControl, containers: ContainerControl): GuideParts {
	const emergency = new Emergency({config: monitor.config, actions: monitor.actions, proxy, containers, verifySplit: monitor.verifySplit, now: Date.now});
	return {emergency, flow: new EmergencyFlow(emergency, () => monitor.getSnapshot().split.configured), proxy, containers};
}
