import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {performance} from 'node:perf_hooks';
import {LogStore} from '../source/core/monitor/log-store.ts';
import type {Snapshot} from '../source/core/monitor/snapshot.ts';
import type {AuditLog} from '../source/core/change/audit.ts';
import {bundleSaver} from '../source/adapters/files/screen-files.ts';
import {record} from '../source/lab/engine-output.ts';

// `node --import tsx bench/bundle.ts [--minutes 15] [--rate 1000]`: the incident bundle (B) of
// a busy quarter of an hour. The log store is filled with `minutes` of both engines' lines at
// `rate` lines/s (kept whole: its bound is raised to hold them), then the bundle is written the
// way the B key writes it, while a 20 ms timer stands in for the screen: the longest gap between
// its ticks is the longest the screen could not update.

const {values: flags} = parseArgs({options: {minutes: {type: 'string', default: '15'}, rate: {type: 'string', default: '1000'}}, strict: true});
const minutes = Number(flags.minutes);
const rate = Number(flags.rate);
const total = Math.round(minutes * 60 * rate);
const end = Date.now();
const start = end - minutes * 60_000;

const store = new LogStore(Math.ceil(total / 2) + 1000, () => {}, start);
const fill0 = performance.now();
const BATCH = 500;
for (let i = 0; i < total; i += BATCH) {
	const batch = [];
	for (let j = i; j < Math.min(total, i + BATCH); j++) {
		const time = start + Math.floor((j / total) * minutes * 60_000);
		const engine = j % 2 === 0 ? ('canary' as const) : ('stable' as const);
		const text =
			j % 50 === 0
				? record('WARNING', 'Request rejected: RANGE.EPHEMERIS_OUTSIDE - Date outside ephemeris range', {request_id: `r-${j}`}, time)
				: record('INFO', 'HTTP request processed', {method: 'POST', path: '/v1/positions', status_code: 200, duration_ms: (j % 97) / 7, request_id: `r-${j}`}, time);
		batch.push({engine, stream: 'stdout' as const, time, text});
	}
	store.sink.lines(batch);
}
store.close();
const fillMs = performance.now() - fill0;

const series = (role: string) => Array.from({length: (minutes * 60) / 2}, (_, i) => ({at: start + i * 2000, p95Ms: 40 + (role === 'canary' ? 50 : 0), ratio5xx: 0, memPercent: 12, rps: 18, cpu: 2}));
const engine = (role: 'stable' | 'canary') => ({role, url: `http://${role}`, condition: 'healthy', health: null, figures: null, resources: null, lifecycle: {exits: 0, ooms: 0, state: 'running', lastExit: null}, series: series(role)});
const snapshot = {
	at: end,
	startedAt: start,
	runtime: {kind: 'lab', describe: 'bench'},
	services: [],
	proxy: 'bench',
	engines: {stable: engine('stable'), canary: engine('canary')},
	split: {configured: {stable: 90, canary: 10}, configError: null, observed: null, sampledAt: null, sampling: false, fromMetrics: null},
	stage: {index: 0, of: 3, enteredAt: start, soakMs: 7_200_000},
	verdict: null,
	automation: null,
	verdictHistory: [],
	patterns: store.patterns.rows({stableRequests: total, canaryRequests: total / 10, now: end, windowStart: start}),
	logs: store,
	logVersion: store.version,
	timeline: [],
	notices: [],
	weightChanges: [],
	historyMinutes: 60,
	windowSec: 60,
} as unknown as Snapshot;

const dir = mkdtempSync(join(tmpdir(), 'canary-bench-bundle-'));
const audit = {path: join(dir, 'audit.jsonl'), append: async () => ({ok: true}), tail: async () => []} as unknown as AuditLog;
const gaps: number[] = [];
let last = performance.now();
const timer = setInterval(() => {
	const now = performance.now();
	gaps.push(now - last);
	last = now;
}, 20);
const t0 = performance.now();
const said = await bundleSaver(dir, audit, undefined)(snapshot);
const writeMs = performance.now() - t0;
clearInterval(timer);
rmSync(dir, {recursive: true, force: true});
gaps.sort((a, b) => a - b);
const longest = gaps.at(-1) ?? writeMs;
process.stdout.write(
	[
		`lines: ${total.toLocaleString('en-US')} (${minutes} min at ${rate.toLocaleString('en-US')}/s), kept ${(store.rings.stable.length + store.rings.canary.length).toLocaleString('en-US')}, filled in ${Math.round(fillMs)} ms`,
		`bundle: ${Math.round(writeMs)} ms (budget 5,000 ms): ${said}`,
		`screen timer (20 ms): ${gaps.length} ticks, longest gap ${Math.round(longest)} ms, gaps over 250 ms: ${gaps.filter((gap) => gap > 250).length}`,
		`RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB`,
		'',
	].join('\n'),
);
