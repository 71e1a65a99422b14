import {startLab, type Lab} from '../source/lab/lab.ts';
import {MILD_CANARY_FAULT} from '../source/lab/faults.ts';

// The lab as the bench runs it: both engines logging half the total background rate each,
// the demo's mild canary fault, the node balancer (same on every machine), a light load.

export interface BenchLabSettings {
	/** Background lines per second, both engines together. */
	logRate: number;
	/** Requests per second of the lab's load generator. */
	rps: number;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): BenchLabSettings {
	const logRate = Number(env.BENCH_LOG_RATE ?? '0');
	const rps = Number(env.BENCH_RPS ?? '2');
	if (!Number.isFinite(logRate) || logRate < 0) throw new Error(`BENCH_LOG_RATE must be a number >= 0, got ${env.BENCH_LOG_RATE}`);
	if (!Number.isFinite(rps) || rps < 0) throw new Error(`BENCH_RPS must be a number >= 0, got ${env.BENCH_RPS}`);
	return {logRate, rps};
}

export function startBenchLab(settings: BenchLabSettings): Promise<Lab> {
	const perEngine = settings.logRate / 2;
	return startLab({
		balancer: 'lab',
		// Free ports: other labs (tests, a demo) may hold the default ones.
		ports: {stable: 0, canary: 0, balancer: 0},
		rps: settings.rps,
		stableFaults: {logRate: perEngine},
		canaryFaults: {...MILD_CANARY_FAULT, logRate: perEngine},
	});
}
