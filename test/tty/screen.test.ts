import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {descendants, requireTmux, Tmux} from '../helpers/tmux.ts';
import {alive} from '../helpers/processes.ts';
import {readFileSync} from 'node:fs';

/** Alive and not a zombie waiting to be reaped. */
function running(pid: number): boolean {
	if (!alive(pid)) return false;
	try {
		return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
	} catch {
		return false;
	}
}

function cpuTicks(pid: number): number | null {
	try {
		const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return Number(fields[11]) + Number(fields[12]);
	} catch {
		return null;
	}
}
import {KEYMAP} from '../../source/keymap.ts';
import {settle, waitUntil} from '../helpers/wait.ts';

// The demo in a real terminal (tmux), as a newcomer runs it. CI sets CI=true, which makes Ink
// print only the final frame: the console is started with CI unset.

requireTmux();
const CLI = ['node', 'bin/canary-console.js', 'demo', '--balancer', 'lab'];
const ENV = {CI: undefined, NO_COLOR: undefined};
const cardsLive = (screen: string) => /STABLE 1\.1\.0/.test(screen) && /CANARY 1\.2\.0/.test(screen) && /req\/s [1-9]/.test(screen);

function assertFits(screen: string, columns: number, rows: number) {
	const lines = screen.replace(/\n$/, '').split('\n');
	assert.ok(lines.length <= rows, `${lines.length} lines for ${rows} rows`);
	for (const line of lines) assert.ok([...line].length <= columns, `a line wider than ${columns}: "${line}"`);
}

function consolePid(tmux: Tmux): Promise<number> {
	return waitUntil('the console process to start', () => descendants(tmux.panePid()).find((pid) => pid > 0), {timeoutMs: 10_000, everyMs: 50});
}

test('the demo shows every panel with live numbers, help from keymap.ts, and q stops everything', async () => {
	const tmux = new Tmux();
	try {
		tmux.start(CLI, {env: ENV});
		const first = await tmux.waitFor(cardsLive, 30_000);
		assert.match(first, /canary-console 90\/10 \(stage 1\/3\)/);
		assert.match(first, /lab balancer \(no nginx on PATH\)/, 'the header says which balancer runs');
		const live = await tmux.waitFor((screen) => /sampled\s+\d+(\.\d)?\/\d+(\.\d)?\s+N=\d+/.test(screen) && /p95 latency\s+\S+ms/.test(screen) && /─ log tail/.test(screen), 30_000);
		for (const panel of ['─ p95 last', '─ 5xx %', '─ memory % of limit', '─ split', '─ verdict', '─ error patterns', '─ log tail']) {
			assert.ok(live.includes(panel), `panel ${panel} is on screen`);
		}
		const clockOf = (screen: string) => /^\S+ .*\n(\d\d:\d\d:\d\d)/.exec(screen)?.[1];
		await tmux.waitFor((screen) => clockOf(screen) !== clockOf(live) && cardsLive(screen), 10_000);
		const pid = await consolePid(tmux);
		const lab = descendants(pid);
		assert.ok(lab.length >= 3, `the lab runs as child processes (${lab.length})`);

		tmux.keys('?');
		const help = await tmux.waitFor((screen) => screen.includes('keys (? or esc to close)'));
		for (const binding of KEYMAP.slice(0, 12)) assert.ok(help.includes(binding.description.slice(0, 40)), `help lists: ${binding.description}`);
		tmux.keys('Escape');
		await tmux.waitFor((screen) => !screen.includes('keys (? or esc to close)') && cardsLive(screen));

		tmux.keys('q');
		const after = await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
		assert.doesNotMatch(after, /STABLE 1\.1\.0/, 'the alternate screen is gone: the shell is back');
		for (const child of [pid, ...lab]) assert.equal(alive(child), false, `process ${child} is gone after q`);
	} finally {
		tmux.kill();
	}
});

test('resizing 120x40 -> 80x24 -> 200x60 keeps a valid layout; below 80x24 a message; SIGHUP restores the terminal', async () => {
	const tmux = new Tmux();
	try {
		tmux.start(CLI, {env: ENV});
		assertFits(await tmux.waitFor(cardsLive, 30_000, true), 120, 40);
		for (const [columns, rows] of [
			[80, 24],
			[200, 60],
			[40, 10],
			[120, 40],
		] as const) {
			tmux.resize(columns, rows);
			const check = columns < 80 ? (screen: string) => /needs 80x24/.test(screen) : (screen: string) => cardsLive(screen) && screen.split('\n').some((line) => line.length > columns - 10);
			const screen = await tmux.waitFor(check, 15_000, true);
			assertFits(screen, columns, rows);
		}
		const pid = await consolePid(tmux);
		const lab = descendants(pid);
		process.kill(pid, 'SIGHUP');
		const after = await tmux.waitFor((screen) => /CONSOLE-EXIT=129/.test(screen), 15_000);
		assert.doesNotMatch(after, /STABLE 1\.1\.0/, 'the shell is back after an SSH drop');
		for (const child of [pid, ...lab]) assert.equal(alive(child), false, `process ${child} is gone after SIGHUP`);
	} finally {
		tmux.kill();
	}
});

test('when the terminal vanishes (tmux killed, like an SSH connection dropped) the console and the lab exit', async () => {
	const tmux = new Tmux();
	let pids: number[] = [];
	try {
		tmux.start(CLI, {env: ENV});
		await tmux.waitFor(cardsLive, 30_000);
		const pid = await consolePid(tmux);
		const lab = descendants(pid);
		pids = [pid, ...lab];
		assert.ok(lab.length >= 3, `the lab runs as child processes (${lab.length})`);
		tmux.kill();
		// Every write to the vanished terminal fails with EIO: that must end the console, not loop.
		await settle(() => [pid, ...lab].some(running), (any) => !any, 15_000);
		const left = [pid, ...lab].filter(running);
		assert.deepEqual(left, [], `still running 15 s after the terminal vanished: ${left.map((p) => `${p} (cpu ticks ${cpuTicks(p)})`).join(', ')}`);
	} finally {
		tmux.kill();
		// Orphans of the killed tmux are nobody's children: never leave one spinning.
		for (const p of pids.filter(running)) process.kill(p, 'SIGKILL');
	}
});

test('with NO_COLOR=1 the bytes written to the terminal contain no colour codes', async () => {
	const tmux = new Tmux();
	const file = join(mkdtempSync(join(tmpdir(), 'canary-console-tty-')), 'bytes');
	try {
		tmux.start(CLI, {env: {...ENV, NO_COLOR: '1'}});
		tmux.record(file);
		await tmux.waitFor((screen) => cardsLive(screen) && /─ log tail/.test(screen), 30_000);
		await tmux.waitFor(() => tmux.recorded(file).length > 4000);
		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
		const bytes = tmux.recorded(file).toString('latin1');
		const sgr = [...bytes.matchAll(/\u001B\[([0-9;]*)m/g)].map((match) => match[1]!);
		assert.ok(sgr.length > 0, 'attributes such as bold and reset are still written');
		const colours = sgr.filter((params) => params.split(';').some((p) => /^(3\d|4\d|9\d|10\d)$/.test(p)));
		assert.deepEqual(colours, [], 'no foreground or background colour codes');
	} finally {
		tmux.kill();
	}
});
