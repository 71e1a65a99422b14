import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {ensureBuilt} from './dist.ts';
import {runConsole, type ConsoleRun} from './measure-console.ts';
import {runRaw, type RawRun} from './measure-raw.ts';
import {ingestionLinesPerSec, parseMetricsMs, splitSampleMs} from './micro.ts';
import {loadAverage, machine} from './proc.ts';
import {formatTable, toReportRows, type Row} from './table.ts';
import {tmuxAvailable} from './tmux.ts';
import {benchDockerHost, stopBenchDocker} from './docker-deployment.ts';
import {lazydockerBinary, runLazydocker, type LazydockerRun} from './measure-lazydocker.ts';
import {buildConfig} from '../source/config.ts';
import {prometheusPollRows} from './prometheus-poll.ts';

// `npm run bench [-- --json] [--long | --hour] [--runs N] [--phase SECONDS] [--rates 10,1000]
// [--views overview,logs] [--sources lab,docker] [--replicas 5,5]`: the real console in tmux at 120x40 on each
// view, against lab engines and against containers on a real Docker Engine logging at fixed
// rates, next to a raw reader of the same lab. --hour is --long with a one-hour phase: the
// console's history (historyMinutes, 60 by default) is full when the peak RSS is read.
// e.g. npm run bench -- --hour --rates 10000 --runs 1 --views overview --sources lab

const {values: flags} = parseArgs({
	options: {
		json: {type: 'boolean', default: false},
		long: {type: 'boolean', default: false},
		hour: {type: 'boolean', default: false},
		runs: {type: 'string', default: '3'},
		phase: {type: 'string'},
		rates: {type: 'string', default: '10,1000,10000'},
		views: {type: 'string', default: 'overview,logs'},
		sources: {type: 'string', default: 'lab,docker'},
		replicas: {type: 'string'},
	},
	strict: true,
});
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(flags.runs);
if (flags.hour) flags.long = true;
const phaseSec = flags.phase !== undefined ? Number(flags.phase) : flags.hour ? 3600 : flags.long ? 300 : 20;
// The console keeps this much history by default: a phase at least as long ends with it full.
const historyFull = phaseSec >= buildConfig([]).historyMinutes * 60;
const peakAfter = `peak RSS after ${phaseSec >= 120 ? `${Math.round(phaseSec / 60)} min` : `${phaseSec + 5} s`}${historyFull ? ' (history full)' : ''}`;
const rates = flags.rates.split(',').map(Number);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!Number.isFinite(phaseSec) || phaseSec < 2) throw new Error('--phase must be at least 2 seconds');
if (rates.some((r) => !Number.isFinite(r) || r < 0)) throw new Error('--rates must be numbers >= 0');
type View = 'overview' | 'logs';
type Source = 'lab' | 'docker';
// --replicas 5,5: the replica row set, the console on a lab of that many engines per role
// (the lab source only; the load is the total over every engine).
const replicaCounts = flags.replicas === undefined ? undefined : (([stable, canary]) => ({stable: stable!, canary: canary!}))(flags.replicas.split(',').map(Number));
if (replicaCounts && ![replicaCounts.stable, replicaCounts.canary].every((n) => Number.isInteger(n) && n >= 1 && n <= 9)) throw new Error('--replicas takes two counts from 1 to 9, e.g. 5,5');
const replicaLabel = replicaCounts ? ` replicas ${replicaCounts.stable}+${replicaCounts.canary}` : '';
const views = flags.views.split(',') as View[];
const sources = (replicaCounts ? 'lab' : flags.sources).split(',') as Source[];
if (views.some((v) => v !== 'overview' && v !== 'logs')) throw new Error('--views takes overview and/or logs');
if (sources.some((v) => v !== 'lab' && v !== 'docker')) throw new Error('--sources takes lab and/or docker');

const missing: string[] = [];
if (!(await tmuxAvailable())) missing.push('tmux (apt-get install tmux)');
if (!existsSync('/proc/self/stat')) missing.push('/proc (Linux)');
if (missing.length) {
	process.stderr.write(`npm run bench needs: ${missing.join(', ')}\n`);
	process.exit(2);
}

const BUDGETS: Record<string, {cpu: number; rss: number; kbps: number; lag: number}> = {
	quiet: {cpu: 3, rss: 150, kbps: 5, lag: 250},
	'1k': {cpu: 15, rss: 170, kbps: 15, lag: 250},
	'10k': {cpu: 35, rss: 200, kbps: 15, lag: 500},
};
const label = (rate: number) => (rate <= 10 ? 'quiet' : rate >= 10_000 ? (rate === 10_000 ? '10k' : `${rate / 1000}k`) : rate === 1000 ? '1k' : `${rate}`);
const budgetsFor = (rate: number) => BUDGETS[label(rate)] ?? BUDGETS[rate <= 10 ? 'quiet' : rate <= 1000 ? '1k' : '10k'];
const loadName = (rate: number) => (rate <= 10 ? `quiet ${rate}/s` : `${rate.toLocaleString('en-US')}/s`);
const RPS = 2;
const log = (text: string) => {
	if (!flags.json) process.stderr.write(`${text}\n`);
};

// The console runs as users run it: bin/canary-console.js, which takes dist/ only when fresh.
log('checking that dist/ is newer than every source file ...');
const build = await ensureBuilt(root);
if (build === 'rebuilt') log('dist/ was older than the sources: ran npm run build');

const loadBefore = loadAverage();
const started = Date.now();
const notes: string[] = [];
// Docker mode: the e2e engine (ops/e2e/engine.sh) with the bench's own dirs, unless BENCH_DOCKER_HOST names one.
let dockerHost: string | undefined;
let dockerStarted = false;
if (sources.includes('docker')) {
	log(process.env.BENCH_DOCKER_HOST ? `Docker Engine: ${process.env.BENCH_DOCKER_HOST}` : 'preparing the Docker Engine (ops/e2e/engine.sh start) ...');
	try {
		const engine = await benchDockerHost(root);
		dockerHost = engine.host;
		dockerStarted = engine.started;
	} catch (error) {
		notes.push(`Docker rows left out: the Docker Engine could not be prepared: ${((error as {stderr?: string}).stderr ?? (error as Error).message).trim().split('\n').at(-1)}`);
	}
}
const combos = sources.filter((source) => source === 'lab' || dockerHost).flatMap((source) => views.map((view) => ({source, view})));
const key = (rate: number, source: Source, view: View) => `${rate}|${source}|${view}`;
const consoleRuns = new Map<string, ConsoleRun[]>();
const rawRuns = new Map<number, RawRun[]>(rates.map((r) => [r, []]));
for (let run = 1; run <= runs; run++) {
	for (const rate of rates) {
		log(`run ${run}/${runs}, ${loadName(rate)}: raw reader ...`);
		try {
			rawRuns.get(rate)!.push(await runRaw({root, logRate: rate, rps: RPS, phaseMs: Math.min(10, phaseSec) * 1000, warmupMs: 2000}));
		} catch (error) {
			notes.push(`raw reader at ${loadName(rate)}, run ${run} failed: ${(error as Error).message}`);
		}
		for (const {source, view} of combos) {
			log(`run ${run}/${runs}, ${loadName(rate)}: console, ${view}, ${source} ...`);
			const list = consoleRuns.get(key(rate, source, view)) ?? [];
			consoleRuns.set(key(rate, source, view), list);
			try {
				list.push(await runConsole({root, logRate: rate, rps: RPS, phaseMs: phaseSec * 1000, warmupMs: 3000, long: flags.long, view, dockerHost: source === 'docker' ? dockerHost : undefined, ...(replicaCounts ? {replicas: replicaCounts} : {})}));
			} catch (error) {
				notes.push(`console at ${loadName(rate)} (${view}, ${source}), run ${run} failed: ${(error as Error).message.split('\n')[0]}`);
			}
		}
	}
}
// lazydocker beside it, on the same deployment and rates, when LAZYDOCKER names it.
const lazydocker = lazydockerBinary();
const lazyRuns = new Map<number, LazydockerRun[]>(rates.map((r) => [r, []]));
if (!dockerHost) notes.push('lazydocker not measured: it needs the Docker rows\' engine');
else if ('skip' in lazydocker) notes.push(lazydocker.skip);
else {
	for (let run = 1; run <= runs; run++) {
		for (const rate of rates) {
			log(`run ${run}/${runs}, ${loadName(rate)}: lazydocker ...`);
			try {
				lazyRuns.get(rate)!.push(await runLazydocker({binary: lazydocker.path, dockerHost, root, logRate: rate, phaseMs: phaseSec * 1000, warmupMs: 3000}));
			} catch (error) {
				notes.push(`lazydocker at ${loadName(rate)}, run ${run} failed: ${(error as Error).message.split('\n')[0]}`);
			}
		}
	}
}
if (dockerStarted) await stopBenchDocker(root);

log('split sample, /metrics parsing, ingestion capacity ...');
const split = await splitSampleMs(Math.max(3, runs));
const parse = parseMetricsMs(Math.max(5, runs));
const ingestion = Array.from({length: Math.max(3, runs)}, () => ingestionLinesPerSec(1500));
log('one Prometheus poll ...');
const promPoll = await prometheusPollRows(Math.max(3, runs)).catch((error: Error) => ({rows: [], note: `Prometheus poll not measured: ${error.message.split('\n')[0]}`}));
notes.push(promPoll.note);

const rows: Row[] = [];
const pick = <T>(list: T[], f: (x: T) => number | null) => list.map(f).filter((v): v is number => v !== null);
for (const rate of rates) {
	const r = rawRuns.get(rate)!;
	const b = budgetsFor(rate);
	const is10k = rate >= 10_000;
	for (const {source, view} of combos) {
		const c = consoleRuns.get(key(rate, source, view)) ?? [];
		// The first combination carries the full set of figures; the others the budgeted ones.
		const full = source === combos[0]!.source && view === combos[0]!.view;
		const load = `${loadName(rate)} ${view} ${source}${replicaLabel}`;
		rows.push({figure: 'console CPU', load, unit: '% of a core', values: pick(c, (x) => x.cpuPercent), budget: b.cpu});
		if (full) rows.push({figure: 'raw reader CPU (lab, baseline)', load, unit: '% of a core', values: pick(r, (x) => x.cpuPercent), budget: null});
		rows.push({figure: peakAfter, load, unit: 'MB', values: pick(c, (x) => x.peakRssMb), budget: b.rss});
		if (full) {
			rows.push({figure: 'JS heap used at the end', load, unit: 'MB', values: pick(c, (x) => x.heapUsedMb), budget: null});
			rows.push({figure: 'JS heap reserved at the end', load, unit: 'MB', values: pick(c, (x) => x.heapTotalMb), budget: null});
		}
		if (flags.long) {
			rows.push({figure: 'RSS at 2 min', load, unit: 'MB', values: pick(c, (x) => x.rssAt2MinMb), budget: null});
			rows.push({figure: 'RSS at 5 min', load, unit: 'MB', values: pick(c, (x) => x.rssAt5MinMb), budget: null});
			rows.push({figure: 'RSS growth 2 -> 5 min', load, unit: '%', values: pick(c, (x) => (x.rssAt2MinMb && x.rssAt5MinMb ? ((x.rssAt5MinMb - x.rssAt2MinMb) * 100) / x.rssAt2MinMb : null)), budget: is10k ? 10 : null});
		}
		rows.push({figure: 'bytes to the terminal', load, unit: 'KB/s', values: pick(c, (x) => x.bytesPerSec / 1024), budget: b.kbps});
		rows.push({figure: 'newest line on screen, lag median', load, unit: 'ms', values: pick(c, (x) => x.lagMedianMs), budget: b.lag});
		if (full) rows.push({figure: 'newest line on screen, lag p95', load, unit: 'ms', values: pick(c, (x) => x.lagP95Ms), budget: null});
		if (rate > 0) {
			rows.push({figure: 'lines lost by ingestion', load, unit: 'lines', values: pick(c, (x) => x.lost), budget: 0});
			if (source === 'lab') rows.push({figure: 'lines dropped by the engines (backpressure)', load, unit: 'lines', values: pick(c, (x) => x.engineDropped), budget: 0});
			else rows.push({figure: 'lines the engines could not write to Docker', load, unit: 'lines', values: pick(c, (x) => x.engineDropped), budget: null});
			if (full) {
				rows.push({figure: 'lines written by the engines in the phase', load, unit: 'lines', values: pick(c, (x) => x.written), budget: null});
				rows.push({figure: 'lines lost, raw reader', load, unit: 'lines', values: pick(r, (x) => x.lost), budget: null});
			}
		}
		if (full) {
			rows.push({figure: 'screen updates (snapshots published)', load, unit: 'per s', values: pick(c, (x) => x.publishesPerSec), budget: null});
			rows.push({figure: 'lines received (all kinds)', load, unit: 'lines/s', values: pick(c, (x) => x.linesPerSec), budget: null});
		}
		rows.push({figure: 'start to first complete frame', load, unit: 'ms', values: pick(c, (x) => x.firstFrameMs), budget: 1000});
		rows.push({figure: 'key press to changed frame', load, unit: 'ms', values: pick(c, (x) => x.keyMs), budget: is10k ? 100 : null});
	}
}
for (const rate of rates) {
	const l = lazyRuns.get(rate)!;
	if (l.length === 0) continue;
	const load = `${loadName(rate)} lazydocker docker`;
	rows.push({figure: 'lazydocker CPU (beside the console)', load, unit: '% of a core', values: pick(l, (x) => x.cpuPercent), budget: null});
	rows.push({figure: 'lazydocker peak RSS', load, unit: 'MB', values: pick(l, (x) => x.peakRssMb), budget: null});
	rows.push({figure: 'lazydocker bytes to the terminal', load, unit: 'KB/s', values: pick(l, (x) => x.bytesPerSec / 1024), budget: null});
}
rows.push({figure: '200-request split sample', load: '-', unit: 'ms', values: split.times, budget: 300, note: split.note});
rows.push({figure: 'parse a 10,000-series /metrics page', load: '-', unit: 'ms', values: parse, budget: 50});
rows.push({figure: 'ingestion capacity, in memory, one core', load: '-', unit: 'lines/s', values: ingestion, budget: null});
rows.push(...promPoll.rows);
const lossless = rates.filter((rate) => {
	const c = combos.flatMap(({source, view}) => consoleRuns.get(key(rate, source, view)) ?? []);
	return c.length > 0 && c.every((x) => x.lost === 0 && x.engineDropped === 0);
});

const report = toReportRows(rows);
const info = {
	...machine(),
	loadBefore,
	loadAfter: loadAverage(),
	runs,
	phaseSec,
	long: flags.long,
	minutes: Math.round((Date.now() - started) / 6000) / 10,
	build,
	highestLosslessRate: lossless.length ? Math.max(...lossless) : null,
};
const inexactRuns = [...consoleRuns.values()].flat().filter((x) => !x.lostExact);
const inexact = inexactRuns.length;
const mostLost = Math.max(0, ...inexactRuns.map((x) => x.lostMost ?? 0));
notes.unshift(
	`The console is the real CLI as a user starts it: \`node bin/canary-console.js demo --balancer lab --rps ${RPS} --log-rate RATE --lab-ports B,S,C\` (free ports), in tmux at 120x40 with CI unset, running dist/ (${build === 'rebuilt' ? 'dist/ was stale, so the bench ran npm run build first' : 'dist/ was already newer than every source file'}).`,
	`CPU and memory are the console process's own (its title is canary-console; utime+stime and VmHWM from /proc; the lab's engines, balancer and load generator are its child processes and not counted); the raw reader runs the same lab from the sources with a sink that only counts.`,
	`Each console run: wait for the first complete frame, switch to the view (key 2 for the logs view), ${3} s warm-up, then a ${phaseSec} s phase${flags.long ? '' : ' (short mode: RSS after 5 minutes needs --long)'}; load ${RPS} req/s; lab: the node balancer.`,
	`Docker rows: the guide's deployment on a real Docker Engine (ops/e2e/engine.sh, host networking): containers bench-engine-stable and bench-engine-canary (the lab engine image, each logging half the rate to its stdout) and bench-nginx-canary (nginx 1.22); the console is \`canary-console --config FILE\` with DOCKER_HOST, reading the containers' logs through the Docker API; the load generator runs outside it. Lines the engines could not write is their own stdout backpressure towards Docker, not the console's reading.`,
	`Start to first complete frame counts from launching the process (node loading the build and Ink; the lab's child processes start behind the first frame) to header and both cards on screen.`,
	`Lines lost by ingestion: lines the engines wrote (GET /__lab/stats, stdout and stderr) minus lines the console received (CANARY_CONSOLE_STATS_FILE), from a quiet point before the phase to one after it (background logging paused; two agreeing brackets around the console's once-a-second record, 150 ms settle), ${inexact === 0 ? 'exact in every run' : `exact in all but ${inexact} run(s); there a request line written inside the bracket (the lab load ticks just before the console's record, both on the console's timers) leaves open whether it was counted yet, so the row shows the lines certainly lost; no such run can have lost more than ${mostLost}`}; lines the engines dropped because the console did not read fast enough are the backpressure row.`,
	`Highest sustained rate without loss among the tested rates: ${info.highestLosslessRate === null ? 'none' : `${info.highestLosslessRate.toLocaleString('en-US')} lines/s`}; the ingestion capacity row is the in-memory ceiling of the console's log store on one core.`,
);
if (flags.json) {
	process.stdout.write(`${JSON.stringify({machine: info, rows: report, notes}, null, 2)}\n`);
} else {
	process.stdout.write(`canary-console bench: ${info.nproc} x ${info.cpu}, node ${info.node}; load average ${info.loadBefore} before, ${info.loadAfter} after; ${runs} runs, ${info.minutes} min\n\n`);
	process.stdout.write(`${formatTable(report)}\n\n`);
	for (const note of notes) process.stdout.write(`- ${note}\n`);
}
process.exit(0);
