import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {NODE_FLAGS} from '../source/node-flags.ts';
import {freePorts, setLogRate} from './engine-stats.ts';
import {ensureBuilt} from './dist.ts';
import {startDockerDeployment, type DockerDeployment} from './docker-deployment.ts';
import {sleep, until} from './poll.ts';
import {cpuSeconds, loadAverage, memory} from './proc.ts';
import {isCompleteFrame} from './screen.ts';
import {TmuxSession} from './tmux.ts';
import {isLogsView} from './measure-console.ts';
import {spawn, type ChildProcess} from 'node:child_process';

// `node --import tsx bench/profile.ts [--source docker|lab] [--view logs|overview] [--rate 10]
// [--seconds 40] [--out DIR] [--top 25] [--summarize FILE]`: the real CLI as the bench starts it, with V8's CPU
// profiler on (--cpu-prof), for one phase; prints its CPU seconds, its peak RSS and the
// functions with the most self time. Docker needs BENCH_DOCKER_HOST.

const {values: flags} = parseArgs({
	options: {
		source: {type: 'string', default: 'docker'},
		view: {type: 'string', default: 'logs'},
		rate: {type: 'string', default: '10'},
		seconds: {type: 'string', default: '40'},
		out: {type: 'string'},
		top: {type: 'string', default: '25'},
		'no-prof': {type: 'boolean', default: false},
		summarize: {type: 'string'},
	},
	strict: true,
});
if (flags.summarize) {
	summarize(JSON.parse(readFileSync(flags.summarize, 'utf8')), Number(flags.top), Number(flags.seconds) * 1e6);
	process.exit(0);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await ensureBuilt(root);
const dir = mkdtempSync(join(tmpdir(), 'canary-profile-'));
const out = resolve(flags.out ?? join(dir, 'prof'));
mkdirSync(out, {recursive: true});
const rate = Number(flags.rate);
const env: NodeJS.ProcessEnv = {...process.env, TZ: 'UTC', TERM: 'xterm-256color', CANARY_CONSOLE_STATS_FILE: join(dir, 'stats.jsonl')};
delete env.CI;
delete env.TMUX;
delete env.NODE_OPTIONS;
const bin = join(root, 'bin', 'canary-console.js');
// PROFILE_NODE_FLAGS adds node flags (e.g. --trace-gc, whose lines go to PROFILE_TRACE).
const extra = (process.env.PROFILE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const prof = [...extra, ...(flags['no-prof'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${out}`])];
let deployment: DockerDeployment | null = null;
let load: ChildProcess | null = null;
let argv: string[];
let ports: number[];
if (flags.source === 'docker') {
	const host = process.env.BENCH_DOCKER_HOST;
	if (!host) throw new Error('--source docker needs BENCH_DOCKER_HOST');
	deployment = await startDockerDeployment(host, dir);
	ports = [deployment.ports.stable, deployment.ports.canary];
	env.DOCKER_HOST = host;
	argv = [process.execPath, ...NODE_FLAGS, ...prof, bin, '--config', deployment.consoleConfig];
	load = spawn(process.execPath, [bin, 'lab', 'load', '--url', `http://127.0.0.1:${deployment.ports.balancer}`, '--rps', '2'], {stdio: 'ignore', env: {...env, CANARY_CONSOLE_STATS_FILE: ''}});
} else {
	const [balancer, stable, canary] = await freePorts(3);
	ports = [stable!, canary!];
	argv = [process.execPath, ...NODE_FLAGS, ...prof, bin, 'demo', '--balancer', 'lab', '--rps', '2', '--log-rate', String(rate), '--lab-ports', `${balancer},${stable},${canary}`];
}
// PROFILE_WRAP runs the console under another program (e.g. strace -f -o FILE).
if (process.env.PROFILE_WRAP) argv = [...process.env.PROFILE_WRAP.split(' '), ...argv];
const tmux = await TmuxSession.start({socket: `canary-profile-${process.pid}`, argv, env, cwd: root});
try {
	const pid = await tmux.panePid();
	if (process.env.PROFILE_TRACE) await tmux.pipeTo(process.env.PROFILE_TRACE);
	// RSS every 25 ms from the start to the end of the warm-up: where the peak comes from.
	const rssTrace: string[] = [];
	const started = Date.now();
	let tracing = true;
	const trace = (async () => {
		while (tracing) {
			const m = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
			const rss = /VmRSS:\s+(\d+)/.exec(m);
			const threads = /Threads:\s+(\d+)/.exec(m);
			if (rss) rssTrace.push(`${Date.now() - started}ms:${Math.round(Number(rss[1]) / 1024)}/${threads?.[1]}`);
			await sleep(25);
		}
	})();
	if (!(await until(async () => isCompleteFrame(await tmux.capture()), 30_000, 20))) throw new Error(`no complete frame:\n${await tmux.capture()}`);
	if (deployment) await Promise.all(ports.map((port) => setLogRate(port, rate / 2)));
	if (flags.view === 'logs') {
		await tmux.sendKeys('2');
		if (!(await until(async () => isLogsView(await tmux.capture()), 5000, 20))) throw new Error('key 2 did not open the logs view');
	}
	await sleep(3000);
	tracing = false;
	await trace;
	process.stdout.write(`RSS MB in the first seconds: ${rssTrace.join(' ')}\n`);
	const cpu0 = cpuSeconds(pid);
	const threads0 = threadTicks(pid);
	const t0 = Date.now();
	await sleep(Number(flags.seconds) * 1000);
	const cpu = cpuSeconds(pid) - cpu0;
	const threads1 = threadTicks(pid);
	const wall = (Date.now() - t0) / 1000;
	const mem = memory(pid);
	process.stdout.write(`${flags.source} ${flags.view} ${rate}/s: ${cpu.toFixed(2)} CPU s in ${wall.toFixed(1)} s = ${((cpu * 100) / wall).toFixed(2)} %; peak RSS ${((mem.hwm ?? 0) / 1048576).toFixed(1)} MB, RSS ${((mem.rss ?? 0) / 1048576).toFixed(1)} MB; load ${loadAverage()}\n`);
	// Per thread (main, V8's GC and compiler workers, libuv's pool): user and system ticks in the phase.
	for (const [tid, t] of threads1) {
		const before = threads0.get(tid) ?? {name: t.name, user: 0, system: 0};
		const user = t.user - before.user;
		const system = t.system - before.system;
		if (user + system > 0) process.stdout.write(`  thread ${tid} ${t.name}: user ${user} system ${system} ticks\n`);
	}
} finally {
	await tmux.sendKeys('q').catch(() => {});
	await until(() => tmux.paneDead(), 10_000, 100);
	await tmux.kill();
	load?.kill();
	await deployment?.remove();
}
if (!flags['no-prof']) {
	const file = readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
	if (file) {
		process.stdout.write(`profile: ${join(out, file)}\n`);
		summarize(JSON.parse(readFileSync(join(out, file), 'utf8')), Number(flags.top), Number(flags.seconds) * 1e6);
	}
}
rmSync(dir, {recursive: true, force: true});

function threadTicks(pid: number): Map<string, {name: string; user: number; system: number}> {
	const out = new Map<string, {name: string; user: number; system: number}>();
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
		const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
		const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
		out.set(tid, {name, user: Number(rest[11]), system: Number(rest[12])});
	}
	return out;
}

interface Node {
	id: number;
	callFrame: {functionName: string; url: string; lineNumber: number};
	children?: number[];
}

/** Self time per function in the phase (the profile's last `phaseUs` before quitting), the top `top` of them. */
function summarize(profile: {nodes: Node[]; samples: number[]; timeDeltas: number[]; endTime: number; startTime: number}, top: number, phaseUs: number): void {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const self = new Map<string, number>();
	let total = 0;
	// The quit key and the exit take well under a second: the phase ends about 0.5 s before the profile does.
	const from = profile.endTime - 500_000 - phaseUs;
	let at = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		const node = byId.get(profile.samples[i]!)!;
		const us = profile.timeDeltas[i] ?? 0;
		at += us;
		if (at < from || at > from + phaseUs) continue;
		total += us;
		const f = node.callFrame;
		const name = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist|source)\//, '$1/')}:${f.lineNumber + 1}`;
		self.set(name, (self.get(name) ?? 0) + us);
	}
	const idle = [...self.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
	process.stdout.write(`samples ${profile.samples.length}, ${(total / 1e6).toFixed(1)} s, busy ${((total - idle) / 1e6).toFixed(2)} s\n`);
	for (const [name, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
}
