import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {connect} from 'node:net';
import {fileURLToPath} from 'node:url';
import type {CheckRow, Verdict, WindowFigures} from '../../source/domain/figures.ts';
import type {EngineRole} from '../../source/core/types.ts';
import {DURATION_BUCKETS} from '../../source/lab/engine-metrics.ts';
import {percentile} from '../../source/lab/load.ts';
import {startMonitorLab, survivors, waitFor, type MonitorLab} from '../helpers/monitor-lab.ts';

// The monitor's acceptance against real lab engines with faults, the real load generator at 20 rps
// and the real Monitor. Windows are seconds, not minutes; the minimum sample is scaled down with
// the window where a 4 s window at 20 rps cannot reach the default 50 requests.

const RPS = 20;
const HALF = {stable: 50, canary: 50};
// The analysis clock stays out of the way: these tests record each window themselves.
const MANUAL = {analysisIntervalSec: 3600};

const row = (verdict: Verdict, id: CheckRow['id']): CheckRow => {
	const found = verdict.checks.find((check) => check.id === id);
	assert.ok(found, `verdict has a ${id} row`);
	return found;
};

/** Runs `body` against a fresh lab and Monitor; always stops them and proves no process is left. */
async function withLab(options: Parameters<typeof startMonitorLab>[0], body: (m: MonitorLab) => Promise<void>): Promise<void> {
	const m = await startMonitorLab(options);
	try {
		await body(m);
	} finally {
		await m.stop();
	}
	assert.deepEqual(await survivors(m.pids), [], 'no lab process survives stop()');
}

/** Waits for a scrape of both engines newer than `after` (ms since epoch). */
async function scrapedAfter(m: MonitorLab, after: number, timeoutMs = 5000): Promise<void> {
	const ok = await m.monitor.until((s) => (['stable', 'canary'] as const).every((r) => (s.engines[r].probe.lastOkAt ?? 0) > after), timeoutMs);
	assert.ok(ok, `a scrape of both engines after ${new Date(after).toISOString()}`);
}

/** Both engines have a full window of figures. */
async function fullWindow(m: MonitorLab, timeoutMs = 15_000): Promise<void> {
	const seconds = m.monitor.config.windowSec;
	const ok = await m.monitor.until((s) => (['stable', 'canary'] as const).every((r) => (s.engines[r].figures?.windowSec ?? 0) >= seconds - 0.5), timeoutMs);
	assert.ok(ok, `a full ${seconds} s window for both engines`);
}

describe('monitor on the lab', {concurrency: 2}, () => {
	it('canary +150 ms latency: the p95 check is FAIL within two windows (50/50 split, 4 s windows, min sample 25)', async () => {
		await withLab({lab: {split: HALF, canaryFaults: {}}, config: {...MANUAL, thresholds: {minRequests: 25}}}, async (m) => {
			await fullWindow(m);
			const before = m.monitor.analyse();
			assert.notEqual(row(before, 'p95-relative').state, 'NO DATA', row(before, 'p95-relative').reason);
			assert.notEqual(row(before, 'p95-relative').state, 'FAIL', `healthy canary before the fault: ${row(before, 'p95-relative').reason}`);
			await m.lab.setFaults('canary', {latencyMs: 150});
			const t0 = Date.now();
			const windowMs = m.monitor.config.windowSec * 1000;
			const windows: Verdict[] = [];
			for (let i = 1; i <= 2; i++) {
				await scrapedAfter(m, t0 + i * windowMs);
				windows.push(m.monitor.analyse());
				if (row(windows.at(-1)!, 'p95-relative').state === 'FAIL') break;
			}
			const last = windows.at(-1)!;
			const relative = row(last, 'p95-relative');
			assert.equal(relative.state, 'FAIL', `p95 vs stable after ${windows.length} window(s): ${relative.reason}`);
			assert.ok(relative.canary! - relative.stable! > 100, `canary p95 ${relative.canary} ms vs stable ${relative.stable} ms`);
			assert.ok(relative.canary! >= 150, `the added 150 ms shows in the canary p95 (${relative.canary} ms)`);
			assert.ok(relative.n! >= 25 && relative.windowSec >= 3.5, `N=${relative.n} over ${relative.windowSec} s`);
			assert.notEqual(last.overall, 'READY TO PROMOTE');
		});
	});

	it('canary 5 % 5xx: the 5xx check is FAIL once the window holds 3 of them (50/50 split, sliding 10 s window, default min sample 50)', async () => {
		await withLab({lab: {split: HALF, canaryFaults: {errorRate: 0.05}}, config: {...MANUAL, windowSec: 10}}, async (m) => {
			// About 0.43 canary 5xx a second, about 4 in a 10 s window: a FAIL needs 3 in the
			// window (one or two 5xx are too few events to fail a canary on: WARN at most).
			let failing: CheckRow | undefined;
			let last: Verdict | undefined;
			const deadline = Date.now() + 30_000;
			while (!failing && Date.now() < deadline) {
				await scrapedAfter(m, Date.now());
				last = m.monitor.analyse();
				const check = row(last, '5xx');
				if (check.state === 'FAIL') failing = check;
				else assert.ok(check.state === 'NO DATA' || check.canary === 0 || /only [12] 5xx/.test(check.reason), `no FAIL only while fewer than 3 5xx were seen: ${check.reason}`);
			}
			assert.ok(failing, `5xx FAIL within 30 s; last: ${last ? row(last, '5xx').reason : 'none'}`);
			assert.ok(failing.n! >= 50, `judged on N=${failing.n}`);
			assert.ok(failing.canary! > 0.5, `canary 5xx ${failing.canary} % > 0.5 %`);
			assert.equal(failing.stable, 0, 'stable has no 5xx');
			const figures = m.monitor.current().engines.canary.figures!;
			assert.ok(figures.errors5xx >= 1 && figures.requests >= 50);
		});
	});

	it('a healthy canary with normal jitter: 20 analysis windows, at least 18 judged, none FAIL (3 s windows, min sample 20)', async () => {
		await withLab({lab: {split: HALF, canaryFaults: {jitterMs: 10}}, config: {...MANUAL, windowSec: 3, thresholds: {minRequests: 20}}}, async (m) => {
			// The Monitor's split sample sends a burst through the balancer at start: let it pass.
			assert.ok(await m.monitor.until((s) => s.split.observed !== null && !s.split.sampling, 15_000), 'the split sample is done');
			await fullWindow(m);
			const verdicts: Verdict[] = [];
			let previous = Date.now();
			while (verdicts.length < 20) {
				await scrapedAfter(m, previous + 1000);
				previous = Date.now();
				verdicts.push(m.monitor.analyse());
			}
			// Never vacuous: nearly every window really judged latency and 5xx (a starved load
			// generator may leave one short of the minimum sample).
			for (const id of ['p95', 'p95-relative', '5xx', 'health'] as const) {
				const judged = verdicts.filter((verdict) => row(verdict, id).state !== 'NO DATA').length;
				assert.ok(judged >= 18, `${id} judged in ${judged} of 20 windows; e.g. ${verdicts.map((verdict) => row(verdict, id).reason).find((reason) => reason.includes('need'))}`);
			}
			for (const [i, verdict] of verdicts.entries()) {
				const failed = verdict.checks.filter((check) => check.state === 'FAIL');
				assert.deepEqual(failed.map((check) => check.reason), [], `window ${i}: no check FAIL`);
				assert.notEqual(verdict.overall, 'ROLL BACK');
			}
		});
	});

	it('no traffic: latency and 5xx are NO DATA (never PASS, never 0 ms) and the verdict is INCONCLUSIVE', async () => {
		await withLab({lab: {rps: 0, canaryFaults: {}}, config: MANUAL}, async (m) => {
			await fullWindow(m);
			// The Monitor's own /healthz, /metrics and split-sample requests keep hitting the engines.
			await m.monitor.until((s) => s.split.observed !== null, 10_000);
			const verdicts: Verdict[] = [];
			for (let i = 0; i < 3; i++) {
				await scrapedAfter(m, Date.now() + 1000);
				verdicts.push(m.monitor.analyse());
			}
			const snapshot = m.monitor.current();
			verdicts.push(snapshot.verdict!);
			for (const verdict of verdicts) {
				for (const id of ['p95', 'p95-relative', '5xx', '5xx-relative'] as const) {
					const check = row(verdict, id);
					assert.equal(check.state, 'NO DATA', `${id}: ${check.reason}`);
					assert.equal(check.canary, null, `${id}: no canary value, never 0`);
					if (id.startsWith('p95')) assert.equal(check.stable, null, `${id}: no stable value, never 0 ms`);
				}
				assert.equal(verdict.overall, 'INCONCLUSIVE', verdict.reason);
			}
			for (const role of ['stable', 'canary'] as const) {
				const figures = snapshot.engines[role].figures!;
				assert.equal(figures.requests, 0, `${role}: self-polling is not counted`);
				assert.equal(figures.p95, null);
				assert.equal(figures.ratio5xx, null);
				assert.ok(snapshot.engines[role].series.every((point) => point.p95Ms === null), `${role}: the sparkline shows no 0 ms`);
			}
		});
	});

	it('restarting the canary engine: no negative rate and no spike in any window', async () => {
		await withLab({lab: {split: HALF, canaryFaults: {}}, config: {analysisIntervalSec: 1}}, async (m) => {
			await fullWindow(m);
			const seen: Array<{role: EngineRole; figures: WindowFigures}> = [];
			const requestsSeen: number[] = [];
			let collecting = true;
			const collector = (async () => {
				while (collecting) {
					const s = m.monitor.current();
					for (const role of ['stable', 'canary'] as const) if (s.engines[role].figures) seen.push({role, figures: s.engines[role].figures!});
					requestsSeen.push(m.monitor.pollers.canary.requestsSeen);
					await new Promise((resolve) => setTimeout(resolve, 100));
				}
			})();
			const seenBefore = m.monitor.pollers.canary.requestsSeen;
			const restartedAt = Date.now();
			await m.lab.restartEngine('canary');
			const downSec = (Date.now() - restartedAt) / 1000;
			// A restart shorter than the window leaves old and new counters in one window: the reset
			// case. A longer one (a starved machine) leaves no old scrape in the window at all.
			const sawReset = await m.monitor.until((s) => s.engines.canary.figures?.reset === true, 10_000);
			// Then a whole window that starts after the restart.
			await scrapedAfter(m, Date.now() + m.monitor.config.windowSec * 1000 + 500, 10_000);
			collecting = false;
			await collector;
			if (downSec < m.monitor.config.windowSec - 1) assert.ok(sawReset, `the counter reset shows in a window (engine down ${downSec.toFixed(1)} s)`);
			assert.ok(m.monitor.current().engines.canary.resources?.restarts === 1, 'the lab restarted the canary once');
			assert.ok(seen.length > 50);
			for (const {role, figures} of seen) {
				const what = `${role} ${JSON.stringify(figures)}`;
				assert.ok(figures.requests >= 0 && figures.errors5xx >= 0 && figures.latencyCount >= 0, what);
				assert.ok(figures.rps !== null && figures.rps >= 0 && figures.rps <= 3 * RPS, what);
			}
			const s = m.monitor.current();
			for (const role of ['stable', 'canary'] as const) {
				for (const point of s.engines[role].series) assert.ok(point.rps === null || (point.rps >= 0 && point.rps <= 3 * RPS), `${role} sparkline ${JSON.stringify(point)}`);
			}
			// Requests served, counted across the restart: never down, never a jump.
			for (let i = 1; i < requestsSeen.length; i++) assert.ok(requestsSeen[i] >= requestsSeen[i - 1]);
			const elapsed = (Date.now() - restartedAt) / 1000;
			const grew = m.monitor.pollers.canary.requestsSeen - seenBefore;
			assert.ok(grew >= 0 && grew <= 3 * RPS * elapsed, `canary served ${grew} requests in ${elapsed.toFixed(1)} s`);
		});
	});

	it('the p95 from /metrics agrees within one bucket width with the p95 the load generator measured', async () => {
		// Both engines alike, so the load generator's mixed durations and each engine's own agree.
		await withLab({lab: {split: HALF, canaryFaults: {jitterMs: 10}, stableFaults: {jitterMs: 10}}, config: {...MANUAL, windowSec: 30}}, async (m) => {
			// The first requests of a cold engine take 100-300 ms (JIT, first connections): warm up,
			// then compare the same stretch of time on both sides.
			await waitFor('a warm lab', async () => (await m.lab.load.stats()).durationsMs.length >= 60, 20_000);
			// The Monitor's split sample sends a burst through the balancer at start: let it pass.
			assert.ok(await m.monitor.until((s) => s.split.observed !== null && !s.split.sampling, 15_000), 'the split sample is done');
			const from = (await m.lab.load.stats()).durationsMs.length;
			await scrapedAfter(m, Date.now());
			const firstScrape = {stable: m.monitor.pollers.stable.probe.lastOkAt!, canary: m.monitor.pollers.canary.probe.lastOkAt!};
			await waitFor('200 answered requests', async () => (await m.lab.load.stats()).durationsMs.length - from >= 200, 20_000);
			await m.lab.load.setRate(0);
			await waitFor('the load to settle', async () => {
				const stats = await m.lab.load.stats();
				return stats.ok + stats.failed >= stats.sent;
			}, 5000, 20);
			await scrapedAfter(m, Date.now());
			const raw = (await m.lab.load.stats()).durationsMs.slice(from);
			const rawP95 = percentile(raw, 0.95)!;
			for (const role of ['stable', 'canary'] as const) {
				const poller = m.monitor.pollers[role];
				// The Monitor's own window math over exactly the scrapes since firstScrape.
				const figures = poller.windowFigures((poller.probe.lastOkAt! - firstScrape[role]) / 1000 - 0.49)!;
				assert.ok(figures, `${role} window`);
				assert.ok(Math.abs(figures.windowSec * 1000 - (poller.probe.lastOkAt! - firstScrape[role])) < 1, `${role} window starts at the first scrape`);
				assert.ok(figures.p95 && !figures.p95.atLeast, `${role} has a p95`);
				const p95Ms = figures.p95.seconds * 1000;
				const upper = DURATION_BUCKETS.find((le) => le * 1000 >= p95Ms)!;
				const lower = DURATION_BUCKETS[DURATION_BUCKETS.indexOf(upper) - 1] ?? 0;
				const widthMs = (upper - lower) * 1000;
				console.log(`# ${role}: /metrics p95 ${p95Ms.toFixed(1)} ms (N=${figures.latencyCount}) vs load generator p95 ${rawP95.toFixed(1)} ms (N=${raw.length})`);
				assert.ok(Math.abs(p95Ms - rawP95) <= widthMs, `${role}: /metrics p95 ${p95Ms.toFixed(1)} ms vs raw ${rawP95.toFixed(1)} ms (N=${raw.length}), bucket width ${widthMs} ms`);
			}
		});
	});

	it('status --json from the CLI: verdict rows with value, threshold, window and N, per-engine numbers, and no process left', async () => {
		const root = fileURLToPath(new URL('../..', import.meta.url));
		const started = Date.now();
		const {stdout, code} = await new Promise<{stdout: string; code: number | null}>((resolve, reject) => {
			const child = execFile(process.execPath, ['--import', 'tsx', 'source/cli.tsx', 'status', '--json', '--demo', '--balancer', 'lab', '--window', '20'], {cwd: root, timeout: 90_000, env: {...process.env, NO_COLOR: '1'}}, (error, out) => {
				if (error && error.killed) reject(error);
				else resolve({stdout: out, code: child.exitCode});
			});
		});
		const seconds = (Date.now() - started) / 1000;
		assert.equal(code, 0);
		const json = JSON.parse(stdout);
		assert.ok(json.verdict, `a verdict after ${seconds.toFixed(1)} s`);
		assert.ok(['READY TO PROMOTE', 'SOAKING', 'HOLD', 'ROLL BACK', 'INCONCLUSIVE'].includes(json.verdict.overall));
		assert.deepEqual(json.basis, {kind: 'window', seconds: 20}, 'status judged a whole window it watched');
		assert.ok(seconds >= 20, `it watched the window (${seconds.toFixed(1)} s)`);
		const ids = json.verdict.checks.map((check: CheckRow) => check.id);
		for (const id of ['p95', 'p95-relative', '5xx', '5xx-relative', 'memory', 'health', 'restarts', 'traffic', 'cache', 'errors']) assert.ok(ids.includes(id), `row ${id}`);
		for (const check of json.verdict.checks as CheckRow[]) {
			for (const key of ['stable', 'canary', 'threshold', 'windowSec', 'n', 'state', 'budget', 'reason']) assert.ok(key in check, `${check.id} has ${key}`);
			assert.equal(typeof check.threshold, 'string');
			assert.ok(check.threshold.length > 0);
			assert.equal(typeof check.windowSec, 'number');
			assert.ok(check.n === null || Number.isInteger(check.n));
		}
		for (const role of ['stable', 'canary'] as const) {
			const engine = json.engines[role];
			assert.ok(engine.window, `${role} window figures`);
			for (const key of ['seconds', 'requests', 'rps', 'ratio5xx', 'p95Ms', 'latencyCount']) assert.ok(key in engine.window, `${role}.window.${key}`);
			assert.equal(typeof engine.window.requests, 'number');
			assert.ok(engine.health && engine.version, `${role} health and version`);
			assert.ok(engine.resources && typeof engine.resources.memUsed === 'number', `${role} resources`);
		}
		// The child's lab is gone: nothing listens on its ports and no process carries them.
		const ports = [json.engines.stable.url, json.engines.canary.url, json.balancer.url].map((url: string) => new URL(url).port);
		for (const port of ports) {
			const refused = await new Promise<boolean>((resolve) => {
				const socket = connect(Number(port), '127.0.0.1');
				socket.once('connect', () => (socket.destroy(), resolve(false)));
				socket.once('error', () => resolve(true));
			});
			assert.ok(refused, `port ${port} is closed`);
		}
		const labProcesses = readdirSync('/proc')
			.filter((name) => /^\d+$/.test(name))
			.map((pid) => {
				try {
					return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
				} catch {
					return [];
				}
			})
			.filter((argv) => argv.some((arg) => arg.endsWith('lab/run.ts')) && ports.some((port) => argv.includes(port)));
		assert.deepEqual(labProcesses, [], 'no lab process of the CLI survives');
		console.log(`# status --json --demo took ${seconds.toFixed(1)} s`);
	});
});
