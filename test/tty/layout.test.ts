import {test} from 'node:test';
import assert from 'node:assert/strict';
import {requireTmux, Tmux} from '../helpers/tmux.ts';

// The room there is, in a real terminal: at 120x40 text shows whole; at 80x24 it is cut
// with '…' and every line still fits.

requireTmux();
const CLI = ['node', 'bin/canary-console.js', 'demo', '--balancer', 'lab'];
const ENV = {CI: undefined, NO_COLOR: undefined};
const cardsLive = (screen: string) => /STABLE 1\.1\.0/.test(screen) && /CANARY 1\.2\.0/.test(screen) && /req\/s [1-9]/.test(screen);

/** The help overlay: from its title to the status line (the header above has rules of its own). */
function overlay(screen: string): string {
	const lines = screen.replace(/\n$/, '').split('\n');
	return lines.slice(lines.findIndex((line) => line.includes('keys (? or esc to close)')), -1).join('\n');
}

function assertFits(screen: string, columns: number, rows: number) {
	const lines = screen.replace(/\n$/, '').split('\n');
	assert.ok(lines.length <= rows, `${lines.length} lines for ${rows} rows`);
	for (const line of lines) assert.ok([...line].length <= columns, `a line wider than ${columns}: "${line}"`);
}

test('at 120x40 check names, help and log lines show what matters whole; at 80x24 the help is cut with …', async () => {
	const tmux = new Tmux();
	try {
		tmux.start(CLI, {env: ENV});
		const live = await tmux.waitFor((screen) => cardsLive(screen) && /new error patterns/.test(screen) && /method=\w+ path=/.test(screen), 40_000, true);
		assertFits(live, 120, 40);
		for (const label of ['p95 latency', 'p95 vs stable', '5xx vs stable', 'traffic share', 'new error patterns']) assert.match(live, new RegExp(`${label} `), `check name whole: ${label}`);
		const request = live.split('\n').find((line) => /HTTP request processed/.test(line));
		assert.ok(request, 'a request line in the log tail');
		assert.match(request, /HTTP request processed method=\w+ path=\S+ status_code=\d+ duration_ms=[\d.]+/, 'method, path, status and duration come first');

		tmux.keys('?');
		const help = await tmux.waitFor((screen) => screen.includes('keys (? or esc to close)'), 10_000, true);
		assertFits(help, 120, 40);
		assert.doesNotMatch(overlay(help), /…/, 'no description is cut at 120x40');
		assert.match(help, /close a dialog or a search; back to overview/);
		assert.match(help, /restart the proxy to reconnect a detached/);

		tmux.resize(80, 24);
		const small = await tmux.waitFor((screen) => screen.includes('keys (? or esc to close)  page 1/') && /…/.test(overlay(screen)) && !screen.split('\n').some((line) => line.length > 80), 10_000, true);
		assertFits(small, 80, 24);
		// The help pages at 80x24: space turns to the next page, every key is on one of them.
		const pages = [small];
		for (const page of [2, 3]) {
			tmux.keys('Space');
			pages.push(await tmux.waitFor((screen) => screen.includes(`page ${page}/`), 10_000, true));
		}
		for (const page of pages) assertFits(page, 80, 24);
		for (const key of ['q ctrl+c', 'pagedown ctrl+f', 'enter o', 'end 0']) assert.ok(pages.some((page) => page.includes(key)), `key ${key} listed at 80x24`);

		tmux.keys('Escape');
		await tmux.waitFor((screen) => !screen.includes('keys (? or esc to close)'));
		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
	} finally {
		tmux.kill();
	}
});
