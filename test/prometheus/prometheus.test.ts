// Run with `npm run test:prometheus`; fails (never skips) when prometheus is not installed.
// A real Prometheus server scrapes the lab's engines every second (labels role and replica);
// a console reading figures from it is compared with one scraping the same engines directly:
// the same figures (p95 within one bucket, rates within 5 %), the same verdict on the same
// faults, NO DATA when Prometheus has no series, and a stopped Prometheus reported with its age.

import {after, before, describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import {createPrometheusClient} from '../../source/adapters/prometheus-api.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import {DEFAULT_PROMETHEUS, type PrometheusConfig} from '../../source/config-metrics.ts';
import type {CheckRow, Verdict, WindowFigures} from '../../source/domain/figures.ts';
import {DURATION_BUCKETS} from '../../source/lab/engine-metrics.ts';
import {renderStatusText, snapshotToJson} from '../../source/core/monitor/snapshot-text.ts';
import {startMonitorLab, type MonitorLab} from '../helpers/monitor-lab.ts';
import {findPrometheus, queryByLabel, queryValue, startPrometheus, type PrometheusServer} from '../helpers/prometheus-server.ts';
import {waitUntil} from '../helpers/wait.ts';
import {createElement} from 'react';
import {render} from 'ink-testing-library';
import {EngineCards} from '../../source/ui/engine-cards.tsx';
import {VerdictDetail} from '../../source/ui/verdict-panel.tsx';

const WINDOWS = {pollIntervalMs: 1000, windowSec: 15, analysisIntervalSec: 5};
const METRIC_CHECKS: CheckRow['id'][] = ['p95', 'p95-relative', '5xx', '5xx-relative'];
/** Compared between the sources: the cache's hit rate comes from Prometheus' counters too. */
const COMPARED: CheckRow['id'][] = [...METRIC_CHECKS, 'cache'];

/** Which bucket of the engine's histogram a latency falls in (0 = up to the first bound). */
const bucketOf = (seconds: number) => {
	const index = DURATION_BUCKETS.findIndex((le) => seconds <= le + 1e-9);
	return index < 0 ? DURATION_BUCKETS.length : index;
};

function compare(direct: WindowFigures | null, prom: WindowFigures | null): string | null {
	if (!direct || !prom) return `figures missing: direct ${direct ? 'ok' : 'none'}, prometheus ${prom ? 'ok' : 'none'}`;
	if (!direct.p95 || !prom.p95) return 'no p95 yet';
	const buckets = Math.abs(bucketOf(direct.p95.seconds) - bucketOf(prom.p95.seconds));
	if (buckets > 1) return `p95 ${direct.p95.seconds} s direct vs ${prom.p95.seconds} s from Prometheus: ${buckets} buckets apart`;
	const off = Math.abs((prom.rps ?? 0) - (direct.rps ?? 0)) / Math.max(direct.rps ?? 0, 1e-9);
	if (off > 0.05) return `rate ${direct.rps?.toFixed(2)}/s direct vs ${prom.rps?.toFixed(2)}/s from Prometheus: ${(off * 100).toFixed(1)} % apart`;
	const ratio = Math.abs((prom.ratio5xx ?? 0) - (direct.ratio5xx ?? 0));
	if (ratio > 0.05 * Math.max(direct.ratio5xx ?? 0, 0.01)) return `5xx ratio ${direct.ratio5xx} direct vs ${prom.ratio5xx} from Prometheus`;
	return null;
}

const states = (verdict: Verdict | null) => Object.fromEntries((verdict?.checks ?? []).filter((row) => COMPARED.includes(row.id)).map((row) => [row.id, row.state]));

describe('Prometheus as the metrics source, against a real Prometheus scraping the lab', {concurrency: 1}, () => {
	let m: MonitorLab;
	let prometheus: PrometheusServer;
	let fromProm: Monitor;

	const promMonitor = (config: Partial<PrometheusConfig>) => {
		const base = m.monitor.config;
		const prom = {...DEFAULT_PROMETHEUS, url: prometheus.url, timeoutMs: 2000, ...config};
		const {lab} = m;
		return new Monitor({openState, splitSampler: httpSplitSampler, config: {...base, metrics: {prometheus: prom}}, http: createHttpProbe(), logs: lab.logs, stats: lab.stats, lifecycle: lab.lifecycle, proxy: lab.proxy, runtime: lab.runtime, analysisTimer: false, prometheus: createPrometheusClient(prom, {})});
	};

	before(async () => {
		assert.ok(findPrometheus(), 'prometheus is installed (apt-get install -y prometheus); this suite does not skip without it');
		m = await startMonitorLab({lab: {split: {stable: 50, canary: 50}, canaryFaults: {}, rps: 80}, config: WINDOWS, analysisTimer: false});
		const address = (url: string) => new URL(url).host;
		prometheus = await startPrometheus([
			{address: address(m.lab.urls.stable), labels: {role: 'stable', replica: 'S1'}},
			{address: address(m.lab.urls.canary), labels: {role: 'canary', replica: 'C1'}},
		]);
		fromProm = promMonitor({});
		fromProm.start();
	});

	after(async () => {
		await fromProm?.stop();
		await m?.stop();
		await prometheus?.close();
	});

	it('gives the figures a direct scrape gives: p95 within one bucket, rates within 5 %', async () => {
		let last = '';
		await waitUntil(
			'the figures from Prometheus match the direct scrape for both roles',
			() => {
				const direct = m.monitor.current().engines;
				const prom = fromProm.current().engines;
				last = [compare(direct.stable.figures, prom.stable.figures), compare(direct.canary.figures, prom.canary.figures)].filter(Boolean).join('; ');
				return last === '' && (prom.canary.figures?.requests ?? 0) > 100;
			},
			{timeoutMs: 60_000, everyMs: 500, detail: () => last},
		);
		const prom = fromProm.current().engines.canary;
		assert.equal(prom.probe.state, 'ok');
	});

	it('judges a canary latency fault and a 5xx fault as the direct scrape does, with the PromQL behind each value', async () => {
		for (const [name, faults, failing] of [
			['no fault', {}, null],
			['latency +400 ms', {latencyMs: 400, jitterMs: 5}, 'p95'],
			['5xx at 30 %', {latencyMs: 0, jitterMs: 0, errorRate: 0.3}, '5xx'],
		] as const) {
			await m.lab.setFaults('canary', faults);
			let last = '';
			await waitUntil(
				`${name}: both sources ${failing ? `FAIL ${failing}` : 'PASS every metric check'} and agree on every metric check and the overall verdict`,
				() => {
					const direct = m.monitor.analyse();
					const prom = fromProm.analyse();
					last = `direct ${direct.overall} ${JSON.stringify(states(direct))} | prometheus ${prom.overall} ${JSON.stringify(states(prom))}`;
					const judged = failing ? states(prom)[failing] === 'FAIL' : METRIC_CHECKS.every((id) => states(prom)[id] === 'PASS');
					return judged && JSON.stringify(states(direct)) === JSON.stringify(states(prom)) && direct.overall === prom.overall;
				},
				{timeoutMs: 60_000, everyMs: 1000, detail: () => last},
			);
			console.log(`# ${name}: ${last}`);
		}
		// Memory: Prometheus' resident size of the canary against the limit the runtime reports.
		const memory = fromProm.current().verdict!.checks.find((c) => c.id === 'memory')!;
		const direct = m.monitor.current().verdict!.checks.find((c) => c.id === 'memory')!;
		assert.ok(memory.canary !== null && direct.canary !== null && Math.abs(memory.canary - direct.canary) < 5, `memory ${memory.canary} % from Prometheus vs ${direct.canary} % from the runtime`);
		assert.equal(memory.state, direct.state);
		assert.match(memory.queries?.canary ?? '', /^max \(process_resident_memory_bytes\{role="canary"\}\)$/);
		const row = fromProm.current().verdict!.checks.find((c) => c.id === 'p95')!;
		assert.match(row.queries?.canary ?? '', /^histogram_quantile\(0\.95, sum by \(le\) \(rate\(involution_request_duration_seconds_bucket\{role="canary",.*\}\[15s\]\)\)\)$/);
		// The query as shown, pasted into Prometheus, answers (close to) the value shown.
		const pasted = await queryValue(prometheus.url, row.queries!.canary!);
		assert.ok(pasted !== null && row.canary !== null && Math.abs(bucketOf(pasted) - bucketOf(row.canary / 1000)) <= 1, `pasted query answers ${pasted} s, the row shows ${row.canary} ms`);
		// The verdict detail (key 4) shows the selected row's PromQL for both roles.
		const checks = fromProm.current().verdict!.checks;
		const detail = render(createElement(VerdictDetail, {verdict: fromProm.current().verdict, width: 220, height: 40, selected: checks.indexOf(row)}));
		const frame = (detail.lastFrame() ?? '').replace(/\s*\n\s*/g, ' ');
		detail.unmount();
		assert.ok(frame.includes(`PromQL canary: ${row.queries!.canary}`), frame);
		assert.ok(frame.includes(`PromQL stable: ${row.queries!.stable}`), frame);
		const json = JSON.stringify(snapshotToJson(fromProm.current()));
		assert.ok(json.includes(JSON.stringify(row.queries!.canary).slice(1, -1)), 'status --json carries the query');
		await m.lab.setFaults('canary', {errorRate: 0});
	});

	it('says NO DATA (never 0 ms, never PASS) when Prometheus has no series for the engines', async () => {
		const none = promMonitor({selector: 'job="no-such-job"'});
		none.start();
		try {
			await waitUntil('Prometheus answered with no series', () => none.current().engines.canary.probe.state === 'ok', {timeoutMs: 20_000});
			const verdict = none.analyse();
			for (const id of METRIC_CHECKS) {
				const row = verdict.checks.find((c) => c.id === id)!;
				assert.equal(row.state, 'NO DATA', `${id}: ${row.reason}`);
				assert.equal(row.canary, null, `${id} shows no canary value`);
			}
			assert.equal(none.current().engines.canary.figures, null);
			assert.notEqual(verdict.overall, 'READY TO PROMOTE');
		} finally {
			await none.stop();
		}
	});

	it('reports a stopped Prometheus with the age of its last answer, and the console goes on', async () => {
		await waitUntil('figures from Prometheus', () => fromProm.current().engines.canary.probe.state === 'ok', {timeoutMs: 20_000});
		await prometheus.stop();
		const snapshot = await waitUntil(
			'the stopped Prometheus is reported',
			() => {
				const s = fromProm.current();
				return s.engines.canary.probe.state === 'refused' && s.engines.stable.probe.state === 'refused' ? s : null;
			},
			{timeoutMs: 20_000, everyMs: 200},
		);
		const probe = snapshot.engines.canary.probe;
		assert.match(probe.message ?? '', /Prometheus at http:\/\/127\.0\.0\.1:\d+/);
		assert.ok(probe.lastOkAt !== null && snapshot.at - probe.lastOkAt >= 0, 'the age of the last answer is known');
		assert.match(renderStatusText(snapshot), /probe refused \(connection refused at Prometheus/);
		const later = snapshot.at + 12_000;
		const cards = render(createElement(EngineCards, {engines: snapshot.engines, width: 120, now: later - (later % 1000)}));
		const frame = cards.lastFrame() ?? '';
		cards.unmount();
		assert.match(frame, /refused, data 1\ds old/, frame);
		assert.match(frame, /connection refused at Prometheus/, frame);
		// Health still comes from the engines themselves.
		assert.equal(snapshot.engines.canary.health?.status, 'healthy');
	});
});

describe('replicas from Prometheus: per-replica figures by the replica label, role figures from merged buckets', {concurrency: 1}, () => {
	let m: MonitorLab;
	let prometheus: PrometheusServer;

	before(async () => {
		assert.ok(findPrometheus(), 'prometheus is installed (apt-get install -y prometheus); this suite does not skip without it');
		// Two stable and three canary replicas; C2 is the sick one (+150 ms among two healthy siblings).
		m = await startMonitorLab({lab: {replicas: {stable: 2, canary: 3}, split: {stable: 50, canary: 50}, canaryFaults: {}, replicaFaults: {C2: {latencyMs: 150}}, rps: 60}, config: {windowSec: 10, analysisIntervalSec: 3600, thresholds: {minRequests: 25}}, analysisTimer: false});
		prometheus = await startPrometheus(m.lab.replicas.map((replica) => ({address: replica.server, labels: {role: replica.role, replica: replica.id}})));
	});

	after(async () => {
		await m?.stop();
		await prometheus?.close();
	});

	it('gives each replica its figures, the role the sum of its replicas, and flags the slow canary replica by name as the direct scrape does', async () => {
		const base = m.monitor.config;
		const prom = {...DEFAULT_PROMETHEUS, url: prometheus.url, timeoutMs: 2000};
		const {lab} = m;
		const fromProm = new Monitor({openState, splitSampler: httpSplitSampler, config: {...base, metrics: {prometheus: prom}}, http: createHttpProbe(), logs: lab.logs, stats: lab.stats, lifecycle: lab.lifecycle, proxy: lab.proxy, runtime: lab.runtime, analysisTimer: false, prometheus: createPrometheusClient(prom, {})});
		fromProm.start();
		try {
			let last = '';
			const verdicts = await waitUntil(
				'both sources flag the slow canary replica',
				() => {
					const direct = m.monitor.analyse();
					const fromP = fromProm.analyse();
					const replicasRow = (v: Verdict) => v.checks.find((c) => c.id === 'replicas');
					last = `direct: ${replicasRow(direct)?.state} ${replicasRow(direct)?.reason} | prometheus: ${replicasRow(fromP)?.state} ${replicasRow(fromP)?.reason}`;
					// Early windows hold few requests per replica: wait until both name C2, and only C2.
					const flagsC2 = (v: Verdict) => replicasRow(v)?.state === 'WARN' && /^outlier: C2 p95 \d+ ms vs \d+ ms[^;]*$/.test(replicasRow(v)?.reason ?? '');
					return flagsC2(direct) && flagsC2(fromP) ? {direct, fromP} : null;
				},
				{timeoutMs: 60_000, everyMs: 1000, detail: () => last},
			);
			const reason = verdicts.fromP.checks.find((c) => c.id === 'replicas')!.reason;
			assert.match(reason, /outlier: C2 p95 \d+ ms vs \d+ ms/);
			assert.doesNotMatch(reason, /C1|C3|S1|S2/);
			const replicasQuery = verdicts.fromP.checks.find((c) => c.id === 'replicas')!.queries?.canary ?? '';
			assert.match(replicasQuery, /^histogram_quantile\(0\.95, sum by \(replica, le\)/);
			const pasted = await queryByLabel(prometheus.url, replicasQuery, 'replica');
			assert.deepEqual(Object.keys(pasted).sort(), ['C1', 'C2', 'C3'], 'the shown query answers each canary replica\'s p95');
			assert.ok(pasted.C2! > pasted.C1! + 0.1 && pasted.C2! > pasted.C3! + 0.1, `C2 stands out: ${JSON.stringify(pasted)}`);
			const snapshot = fromProm.current();
			assert.deepEqual(snapshot.engines.canary.replicas!.filter((card) => card.outlier).map((card) => card.id), ['C2']);
			// The role's figures from Prometheus add up to its replicas' (rates of the same window).
			for (const role of ['stable', 'canary'] as const) {
				const reading = fromProm.pollers[role].remote!;
				assert.deepEqual(reading.replicas.map((r) => r.name), role === 'stable' ? ['S1', 'S2'] : ['C1', 'C2', 'C3']);
				const sum = reading.replicas.reduce((total, r) => total + (r.figures?.requests ?? 0), 0);
				assert.ok(Math.abs(reading.figures!.requests - sum) / sum < 0.05, `${role}: role requests ${reading.figures!.requests} vs replicas' sum ${sum}`);
				assert.match(reading.queries.p95, /sum by \(le\)/);
			}
		} finally {
			await fromProm.stop();
		}
	});
});
