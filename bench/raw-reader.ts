import {startBenchLab, settingsFromEnv} from './lab-setup.ts';
import {BackgroundCounter} from './line-counter.ts';
import {startStatsFile} from './stats-file.ts';
import {ENGINE_ROLES} from '../source/core/types.ts';

// The baseline: the same lab, its lines read through the same LogSource with a sink that only
// counts them. What the console costs above this is the console's own work.

const settings = settingsFromEnv(process.env);
const statsPath = process.env.BENCH_STATS_FILE;
const lab = await startBenchLab(settings);
const counter = new BackgroundCounter();
const controller = new AbortController();
for (const engine of ENGINE_ROLES) {
	lab.logs.follow(
		engine,
		{
			lines: (batch) => {
				for (const line of batch) counter.add(line.engine, line.text);
			},
			gap: () => {},
			status: () => {},
		},
		controller.signal,
	);
}
const stopStats = statsPath ? startStatsFile(statsPath, counter) : () => {};
process.stdout.write('ready\n');
let stopping = false;
const stop = async () => {
	if (stopping) return;
	stopping = true;
	stopStats();
	controller.abort();
	await lab.stop().catch(() => {});
	process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
