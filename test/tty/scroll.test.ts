import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {requireTmux} from '../helpers/tmux.ts';
import {waitUntil} from '../helpers/wait.ts';

// The frame writer's scrolled update in a real terminal (tmux): the screen after frame 1 and a
// scrolled update to frame 2 equals, cell for cell and colour for colour, frame 2 drawn in full.

requireTmux();
const socket = `cc-scroll-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});

function start(session: string, mode: string, log: string): void {
	const command = `env -u CI node --import tsx test/tty/scroll-driver.ts ${mode} 2>>${log}`;
	tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '20', '-c', process.cwd(), command);
}

async function screenOf(session: string): Promise<string> {
	let screen = '';
	// -e: with colours and attributes, so the comparison is cell for cell including style.
	const drawn = () => (screen = tmux('capture-pane', '-p', '-e', '-t', session)).includes('second') && screen.includes('q quit') && screen;
	return waitUntil('the driver to draw', drawn, {timeoutMs: 20_000, everyMs: 50, detail: () => `the screen was:\n${screen}`});
}

test('a scrolled update leaves the same screen as a full redraw of the same frame', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'cc-scroll-'));
	const log = join(dir, 'driver.log');
	try {
		start('scrolled', 'scrolled', log);
		start('full', 'full', log);
		const scrolled = await screenOf('scrolled');
		const full = await screenOf('full');
		assert.match(readFileSync(log, 'utf8'), /scrolls=1/, 'the update was drawn by scrolling');
		assert.match(full, /request 21 served/);
		// Attribute codes after a row's last cell style no cell: tmux emits them for cells an erase
		// touched (it remembers how far a row was used), which the eye cannot tell from untouched ones.
		const rows = (screen: string) => screen.split('\n').map((row) => row.replace(/(\u001B\[[0-9;]*m)+$/, ''));
		const a = rows(scrolled);
		const b = rows(full);
		assert.equal(a.length, b.length);
		for (let row = 0; row < b.length; row++) assert.equal(a[row], b[row], `row ${row + 1}`);
	} finally {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
	}
});
