import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {EngineCards, CARD_HEIGHT} from '../source/ui/engine-cards.tsx';
import type {EngineView, ReplicaCard} from '../source/core/monitor/snapshot.ts';

const strip = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');

const card = (id: string, p95Ms: number, overrides: Partial<ReplicaCard> = {}): ReplicaCard => ({id, requests: 300, p95Ms, ratio5xx: 0, memPercent: 15, restarts: 0, health: 'healthy', problem: null, outlier: null, ...overrides});

const engine = (role: 'stable' | 'canary', replicas: ReplicaCard[]): EngineView => ({
	role,
	url: 'http://127.0.0.1:9101',
	probe: {state: 'ok', message: null, lastOkAt: 1000, failures: 0},
	health: {status: 'healthy', httpCode: 200, latencyMs: 3, version: '1.1.0', queueDepth: 0, kernelsOk: true, cacheHitRate: 0.8, error: null},
	figures: {windowSec: 60, requests: 900, rps: 15, errors5xx: 0, ratio5xx: 0, latencyCount: 900, p50: {seconds: 0.012, atLeast: false}, p95: {seconds: 0.041, atLeast: false}, p99: {seconds: 0.09, atLeast: false}, cacheHitRatio: 0.75, reset: false},
	resources: {memUsed: 64 * 1024 * 1024, memLimit: 512 * 1024 * 1024, cpuPercent: 4, startedAt: 0, restarts: 0},
	resourcesError: null,
	series: [],
	logs: {state: 'attached', message: null, dropped: 0},
	lifecycle: {exits: 0, ooms: 0, lastExit: null, state: 'running'},
	condition: 'healthy',
	replicas,
});

test('a role with replicas ends its card with one entry per replica; an outlier and a failed one are marked, within 80 and 120 columns', () => {
	const stable = engine('stable', [card('S1', 41), card('S2', 39.5), card('S3', 44), card('S4', 40), card('S5', 42)]);
	const canary = engine('canary', [card('C1', 88), card('C2', 246, {outlier: "C2 p95 246 ms vs 88 ms (siblings' median)"}), card('C3', 90, {problem: 'connection refused'})]);
	for (const width of [80, 120]) {
		const frame = strip(render(<EngineCards engines={{stable, canary}} width={width} now={31_000} />).lastFrame() ?? '');
		const rows = frame.split('\n');
		assert.equal(rows.length, CARD_HEIGHT, `the card keeps its height at ${width} columns`);
		for (const row of rows) assert.ok(row.length <= width, `at most ${width} columns: ${row}`);
		assert.match(frame, /C1 88\.0ms C2 246ms! C3 down!/);
		assert.match(frame, /S1 41\.0ms S2 39\.5ms/);
	}
});
