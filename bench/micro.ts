import {performance} from 'node:perf_hooks';
import {parsePrometheus} from '../source/domain/prometheus.ts';
import {sampleSplit} from '../source/adapters/split-sampler.ts';
import {LogStore} from '../source/core/monitor/log-store.ts';
import {DEFAULT_CONFIG} from '../source/config.ts';
import {backgroundLine} from '../source/lab/engine-output.ts';
import {startLab} from '../source/lab/lab.ts';
import type {RawLine} from '../source/core/types.ts';
import {metricsPage} from './metrics-page.ts';

// Figures measured in this process: they need no terminal.

/** ms to sample the split with `n` requests through the lab balancer, once per run. */
export async function splitSampleMs(runs: number, n = 200): Promise<{times: number[]; note: string}> {
	const lab = await startLab({balancer: 'lab', rps: 0, ports: {stable: 0, canary: 0, balancer: 0}});
	try {
		const options = {url: lab.urls.balancer, n, roles: lab.roles, versions: {stable: '1.1.0', canary: '1.2.0'}};
		await sampleSplit({...options, n: 20}); // warm up connections and JIT
		const times: number[] = [];
		let errors = 0;
		for (let i = 0; i < runs; i++) {
			const sample = await sampleSplit(options);
			times.push(sample.ms);
			errors += sample.errors;
		}
		return {times, note: `${n} GETs through the ${lab.balancerKind === 'nginx' ? 'nginx' : 'lab (node)'} balancer${errors ? `, ${errors} errors` : ''}`};
	} finally {
		await lab.stop();
	}
}

/** ms to parse a `series`-series page, once per run (after one warm-up parse). */
export function parseMetricsMs(runs: number, series = 10_000): number[] {
	const page = metricsPage(series);
	const check = parsePrometheus(page);
	void check;
	const times: number[] = [];
	for (let i = 0; i < runs; i++) {
		const t0 = performance.now();
		parsePrometheus(page);
		times.push(performance.now() - t0);
	}
	return times;
}

/**
 * Lines per second the console's log ingestion (LogStore: joining, parsing, sanitising, the
 * ring) takes on one core, fed in-memory batches of background lines for `ms`.
 */
export function ingestionLinesPerSec(ms = 2000, batchSize = 100): number {
	const store = new LogStore(DEFAULT_CONFIG.logBuffer, () => {});
	const now = Date.now();
	const batches: RawLine[][] = [];
	for (let b = 0; b < 50; b++) {
		batches.push(Array.from({length: batchSize}, (_, i) => ({engine: i % 2 ? 'canary' : 'stable', stream: 'stdout', time: now, text: backgroundLine(b * batchSize + i, now + b)}) as RawLine));
	}
	let lines = 0;
	const t0 = performance.now();
	while (performance.now() - t0 < ms) {
		for (const batch of batches) store.sink.lines(batch);
		lines += batches.length * batchSize;
	}
	const elapsed = performance.now() - t0;
	store.close();
	return (lines * 1000) / elapsed;
}
