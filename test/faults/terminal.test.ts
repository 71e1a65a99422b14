import {test} from 'node:test';
import assert from 'node:assert/strict';
import {requireTmux, Tmux} from '../helpers/tmux.ts';

// A terminal squeezed to 40x10 mid-run (a split pane, a phone over SSH): the console must say
// what it needs instead of drawing a broken layout, and come back when there is room again.

requireTmux();

test('the terminal shrinks to 40x10: the console says it needs 80x24 and draws nothing wider', async () => {
	const tmux = new Tmux();
	try {
		tmux.start(['node', 'bin/canary-console.js', 'demo', '--balancer', 'lab'], {env: {CI: undefined}});
		await tmux.waitFor((screen) => /CANARY 1\.2\.0/.test(screen), 30_000);
		tmux.resize(40, 10);
		const small = await tmux.waitFor((screen) => /needs 80x24/.test(screen), 15_000, true);
		for (const line of small.replace(/\n$/, '').split('\n')) assert.ok([...line].length <= 40, `wider than 40: "${line}"`);
		assert.ok(small.replace(/\n$/, '').split('\n').length <= 10);
		tmux.resize(120, 40);
		await tmux.waitFor((screen) => /CANARY 1\.2\.0/.test(screen) && !/needs 80x24/.test(screen), 15_000);
		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
	} finally {
		tmux.kill();
	}
});
