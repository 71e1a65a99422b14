import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig, type Config} from '../../source/config.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {renderLabConfig} from '../../source/lab/lab-config.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import type {EngineRole, HttpProbe, HttpResult, LogSink, LogSource, ProxyControl, StatsSource} from '../../source/core/types.ts';

// A deployment whose engines answer from a clock the test moves: /metrics counters grow with
// the clock at a rate and latency the test sets per engine, so a Monitor polled by hand sees
// hours of windows in a moment, each different from the last. Real parsing, real verdicts.

const BOUNDS = [0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface EngineScript {
	/** Requests per second. */
	rps: number;
	/** Every request takes this long (s): all of them land in one bucket. */
	latency: number;
	/** Share of requests answered 500. */
	errorShare: number;
	/** Memory in use, MB of a 512 MB limit. */
	memMb: number;
}

interface Counters {
	at: number;
	ok: number;
	failed: number;
	buckets: number[];
}

export interface ClockedDeployment {
	monitor: Monitor;
	config: Config;
	now(): number;
	/** What each engine does from now on. */
	script: Record<EngineRole, EngineScript>;
	/** Moves the clock and polls once (a verdict is counted every analysis interval). */
	advance(ms: number): Promise<void>;
	sink(): LogSink | undefined;
}

export function startClockedDeployment(overrides: Record<string, unknown> = {}): ClockedDeployment {
	let now = Date.parse('2026-03-02T11:30:00Z');
	const dir = mkdtempSync(join(tmpdir(), 'canary-clocked-'));
	const roles = {stable: '127.0.0.1:9', canary: '127.0.0.1:10'};
	const configPath = join(dir, 'canary.conf');
	writeFileSync(configPath, renderLabConfig({upstream: 'involution_engine', ...roles, split: {stable: 90, canary: 10}, listenPort: 0}));
	const script: Record<EngineRole, EngineScript> = {
		stable: {rps: 18, latency: 0.03, errorShare: 0, memMb: 60},
		canary: {rps: 2, latency: 0.04, errorShare: 0, memMb: 62},
	};
	const counters: Record<EngineRole, Counters> = {
		stable: {at: now, ok: 0, failed: 0, buckets: BOUNDS.map(() => 0)},
		canary: {at: now, ok: 0, failed: 0, buckets: BOUNDS.map(() => 0)},
	};
	const metrics = (role: EngineRole): string => {
		const c = counters[role];
		const s = script[role];
		const n = (s.rps * (now - c.at)) / 1000;
		c.at = now;
		c.failed += n * s.errorShare;
		c.ok += n * (1 - s.errorShare);
		BOUNDS.forEach((bound, i) => (c.buckets[i]! += s.latency <= bound ? n : 0));
		const total = c.ok + c.failed;
		const labels = 'method="POST",endpoint="/v1/positions"';
		return [
			'# TYPE involution_requests_total counter',
			`involution_requests_total{${labels},status_code="200"} ${c.ok}`,
			`involution_requests_total{${labels},status_code="500"} ${c.failed}`,
			'# TYPE involution_request_duration_seconds histogram',
			...BOUNDS.map((bound, i) => `involution_request_duration_seconds_bucket{endpoint="/v1/positions",le="${bound}"} ${c.buckets[i]}`),
			`involution_request_duration_seconds_bucket{endpoint="/v1/positions",le="+Inf"} ${total}`,
			`involution_request_duration_seconds_count{endpoint="/v1/positions"} ${total}`,
			`involution_request_duration_seconds_sum{endpoint="/v1/positions"} ${total * s.latency}`,
		].join('\n');
	};
	const answer = (body: string, status = 200): HttpResult => ({status, headers: {}, body, ms: 3});
	const http: HttpProbe = {
		async get(url) {
			const role: EngineRole | null = url.startsWith('http://stable') ? 'stable' : url.startsWith('http://canary') ? 'canary' : null;
			if (url.endsWith('/healthz')) return answer(JSON.stringify({status: 'healthy', version: role === 'canary' ? '1.2.0' : '1.1.0', pool: {queue_depth: 0}}));
			if (role && url.endsWith('/metrics')) return answer(metrics(role));
			return answer('ok');
		},
		async close() {},
	};
	const startedAt = now - 60_000;
	const stats: StatsSource = {read: async (role) => ({memUsed: script[role].memMb << 20, memLimit: 512 << 20, cpuPercent: 2, startedAt, restarts: 0})};
	let sink: LogSink | undefined;
	const logs: LogSource = {follow: (_engine, s) => void (sink = s)};
	const base = buildConfig([{pollIntervalMs: 2000, windowSec: 60, analysisIntervalSec: 30, maxFps: 50, ...overrides}]);
	const config: Config = {
		...base,
		urls: {balancer: 'http://balancer', stable: 'http://stable', canary: 'http://canary'},
		roles,
		auditPath: join(dir, 'audit.jsonl'),
		stateDir: join(dir, 'state'),
	};
	// The config in memory: a poll then does no I/O, so no frame is published half-way through one.
	let text = readFileSync(configPath, 'utf8');
	const ok = async () => ({ok: true, exitCode: 0, output: ''});
	const proxy: ProxyControl = {describe: 'in-memory proxy', configPath, readHost: async () => text, readSeen: async () => text, writeHost: async (next) => void (text = next), validate: ok, reload: ok};
	const monitor = new Monitor({openState, splitSampler: httpSplitSampler, config, http, logs, stats, proxy, runtime: {kind: 'lab', describe: 'clocked test deployment'}, clock: {now: () => now}, analysisTimer: false});
	let sinceAnalysis = 0;
	return {
		monitor,
		config,
		now: () => now,
		script,
		sink: () => sink,
		async advance(ms) {
			now += ms;
			sinceAnalysis += ms;
			await monitor.poll();
			if (sinceAnalysis >= config.analysisIntervalSec * 1000) {
				sinceAnalysis = 0;
				monitor.analyse();
			}
		},
	};
}
