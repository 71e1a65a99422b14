import {performance} from 'node:perf_hooks';
import {startLab} from '../source/lab/lab.ts';
import {createPrometheusClient} from '../source/adapters/prometheus-api.ts';
import {prometheusMetrics} from '../source/core/monitor/prometheus-metrics.ts';
import {promQueries} from '../source/domain/promql.ts';
import {DEFAULT_PROMETHEUS} from '../source/config-metrics.ts';
import {INVOLUTION_PROFILE} from '../source/domain/profiles.ts';
import {findPrometheus, startPrometheus} from '../test/helpers/prometheus-server.ts';
import {cpuSeconds} from './proc.ts';
import type {Row} from './table.ts';

// The cost of one Prometheus poll: both roles' queries (per role and per replica) against a
// real Prometheus scraping the lab's engines every second, as the console runs them each poll.

export async function prometheusPollRows(runs: number, rounds = 20): Promise<{rows: Row[]; note: string}> {
	if (!findPrometheus()) return {rows: [], note: 'Prometheus poll not measured: no prometheus binary (apt-get install prometheus)'};
	const lab = await startLab({balancer: 'lab', rps: 20, ports: {stable: 0, canary: 0, balancer: 0}});
	const host = (url: string) => new URL(url).host;
	const server = await startPrometheus([
		{address: host(lab.urls.stable), labels: {role: 'stable', replica: 'S1'}},
		{address: host(lab.urls.canary), labels: {role: 'canary', replica: 'C1'}},
	]).catch(async (error) => {
		await lab.stop();
		throw error;
	});
	const config = {...DEFAULT_PROMETHEUS, url: server.url};
	const client = createPrometheusClient(config, {});
	// As with several replicas per role: the per-replica queries run too.
	const source = prometheusMetrics(client, INVOLUTION_PROFILE, config, 60, {perReplica: {stable: true, canary: true}});
	const signal = new AbortController().signal;
	const poll = () => Promise.all([source.read('stable', signal), source.read('canary', signal)]);
	try {
		await poll(); // warm up connections and JIT
		const wall: number[] = [];
		const own: number[] = [];
		const theirs: number[] = [];
		for (let run = 0; run < runs; run++) {
			const cpu0 = process.cpuUsage();
			const prom0 = cpuSeconds(server.process.pid!);
			const t0 = performance.now();
			for (let i = 0; i < rounds; i++) await poll();
			const ms = (performance.now() - t0) / rounds;
			const cpu = process.cpuUsage(cpu0);
			wall.push(ms);
			own.push((cpu.user + cpu.system) / 1000 / rounds);
			theirs.push(((cpuSeconds(server.process.pid!) - prom0) * 1000) / rounds);
		}
		const asked = (by?: string) => Object.values(promQueries(INVOLUTION_PROFILE, config, 'canary', 60, by)).filter(Boolean).length;
		const queries = 2 * (asked() + asked('replica'));
		return {
			rows: [
				{figure: `one Prometheus poll (${queries} queries), time`, load: '-', unit: 'ms', values: wall, budget: null},
				{figure: 'one Prometheus poll, console CPU', load: '-', unit: 'ms', values: own, budget: null},
				{figure: 'one Prometheus poll, Prometheus CPU', load: '-', unit: 'ms', values: theirs, budget: null},
			],
			note: `Prometheus poll: ${queries} instant queries (${asked()} per role, ${asked('replica')} grouped by replica, both roles) against a real Prometheus (${server.url}, scraping the lab's two engines every second, 60 s window), ${rounds} polls per run back to back; CPU from process.cpuUsage and /proc/<pid>/stat.`,
		};
	} finally {
		await client.close();
		await server.close();
		await lab.stop();
	}
}
