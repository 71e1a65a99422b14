import {dirname, join} from 'node:path';
import type {Config} from '../source/config.ts';

// The console exactly as `canary-console demo --balancer lab` composes it (source/cli.tsx
// startDemoRuntime), with the engines' background log rate set from BENCH_LOG_RATE and the
// lines counted on their way in (BENCH_STATS_FILE), so the bench can tell what was lost.

// As source/cli.tsx does, before React loads (static imports would load it first).
process.env.NODE_ENV ??= 'production';
const [{buildConfig, configFromEnv}, {Monitor}, {createHttpProbe}, {runScreen}, {startBenchLab, settingsFromEnv}, {BackgroundCounter, countingSource}, {startStatsFile}] = await Promise.all([
	import('../source/config.ts'),
	import('../source/core/monitor.ts'),
	import('../source/adapters/http-probe.ts'),
	import('../source/ui/run-screen.tsx'),
	import('./lab-setup.ts'),
	import('./line-counter.ts'),
	import('./stats-file.ts'),
]);

const settings = settingsFromEnv(process.env);
const statsPath = process.env.BENCH_STATS_FILE;
if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
	process.stderr.write('bench/console.ts needs a terminal\n');
	process.exit(2);
}
const config = buildConfig([configFromEnv(process.env)]);
const lab = await startBenchLab(settings);
const counter = new BackgroundCounter();
const labConfig: Config = {
	...config,
	urls: lab.urls,
	roles: lab.roles,
	upstream: lab.upstream,
	auditPath: join(dirname(lab.proxy.configPath), 'audit.jsonl'),
};
const monitor = new Monitor({
	config: labConfig,
	http: createHttpProbe(),
	logs: countingSource(lab.logs, counter),
	stats: lab.stats,
	proxy: lab.proxy,
	runtime: lab.runtime,
});
// Snapshots the monitor publishes: each one re-renders the screen.
let publishes = 0;
monitor.subscribe(() => publishes++);
// Diagnostic (BENCH_GC=1 with node --expose-gc): collect before reading memory, so the heap
// figure is what is retained rather than garbage not yet collected.
const gc = process.env.BENCH_GC ? (globalThis as {gc?: () => void}).gc : undefined;
const stopStats = statsPath
	? startStatsFile(statsPath, counter, () => {
			gc?.();
			return {received: monitor.logStore.received, memory: process.memoryUsage(), publishes};
		})
	: () => {};
const code = await runScreen({
	monitor,
	colour: true,
	maxFps: config.maxFps,
	shutdown: async () => {
		stopStats();
		await lab.stop();
	},
});
process.exit(code);
