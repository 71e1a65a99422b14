// A role's metrics from its replicas' pages: every sample keeps its own series by gaining the
// replica's label, so counters are summed and histogram buckets merged per `le` by the same
// window math that reads one page (window.ts sums over series), and a restart of one replica
// resets only its own series. Quantiles are taken after the merge, never averaged.

import type {HealthReading} from './figures.ts';
import type {MetricFamily, ParsedPage, Sample} from './prometheus.ts';

/** The label that tells the replicas' series apart; unlikely to clash with an engine's own. */
export const REPLICA_LABEL = 'canary_console_replica';

export function mergeReplicaPages(pages: readonly {id: string; page: ParsedPage}[]): ParsedPage {
	const samples: Sample[] = [];
	const families = new Map<string, MetricFamily>();
	const errors: string[] = [];
	for (const {id, page} of pages) {
		const relabel = (sample: Sample): Sample => ({...sample, labels: {...sample.labels, [REPLICA_LABEL]: id}});
		for (const sample of page.samples) samples.push(relabel(sample));
		for (const [name, family] of page.families) {
			const merged = families.get(name) ?? {name, type: family.type, help: family.help, samples: []};
			for (const sample of family.samples) merged.samples.push(relabel(sample));
			families.set(name, merged);
		}
		for (const error of page.errors.slice(0, 5)) errors.push(`${id}: ${error}`);
	}
	return {samples, families, errors};
}

const RANK: Record<HealthReading['status'], number> = {healthy: 0, degraded: 1, unknown: 2, unhealthy: 3};

/** A role's health from its replicas': the worst one, named in the error when it is not healthy. */
export function worstHealth(readings: readonly {id: string; health: HealthReading}[]): HealthReading | null {
	let worst: {id: string; health: HealthReading} | null = null;
	for (const reading of readings) if (!worst || RANK[reading.health.status] > RANK[worst.health.status]) worst = reading;
	if (!worst) return null;
	if (worst.health.status === 'healthy') return worst.health;
	return {...worst.health, error: `${worst.id}: ${worst.health.error ?? worst.health.status}`};
}
