import type {ResourceReading} from '../types.ts';

// A role's resources over its replicas, as its card shows them: the fullest replica's memory,
// CPU summed, the newest start, restarts summed, the worst state and any OOM kill.

const STATE_RANK: Record<NonNullable<ResourceReading['state']>, number> = {running: 0, restarting: 1, exited: 2, missing: 3};
const share = (r: ResourceReading) => (r.memLimit > 0 ? r.memUsed / r.memLimit : 0);

export function combineReplicaReadings(readings: readonly ResourceReading[]): ResourceReading {
	const fullest = readings.reduce((a, b) => (share(b) > share(a) ? b : a));
	const worst = readings.reduce((a, b) => (STATE_RANK[b.state ?? 'running'] > STATE_RANK[a.state ?? 'running'] ? b : a));
	const cpu = readings.map((r) => r.cpuPercent).filter((c): c is number => c !== null);
	const started = readings.map((r) => r.startedAt).filter((t): t is number => t !== null);
	return {
		memUsed: fullest.memUsed,
		memLimit: fullest.memLimit,
		cpuPercent: cpu.length > 0 ? cpu.reduce((a, b) => a + b, 0) : null,
		startedAt: started.length > 0 ? Math.max(...started) : null,
		restarts: readings.reduce((sum, r) => sum + r.restarts, 0),
		state: worst.state,
		exitCode: worst.exitCode ?? null,
		oomKilled: readings.some((r) => r.oomKilled === true),
	};
}
