import {test} from 'node:test';
import assert from 'node:assert/strict';
import {requireTmux, Tmux} from '../helpers/tmux.ts';

// Keys as they arrive over SSH, in a real terminal: `tmux send-keys '/linear' Enter` reaches
// the console as ONE read, "/linear\r", like a quick typist or a paste on a slow link.

requireTmux();
const CLI = ['node', 'bin/canary-console.js', 'demo', '--balancer', 'lab'];
const ENV = {CI: undefined, NO_COLOR: undefined};
const cardsLive = (screen: string) => /STABLE 1\.1\.0/.test(screen) && /CANARY 1\.2\.0/.test(screen) && /req\/s [1-9]/.test(screen);
const logRows = (screen: string) => screen.split('\n').filter((line) => /^[SC][ !]\d\d:\d\d:\d\d/.test(line));

test('a filter and a split typed with Enter in one write apply: /linear filters the logs, w 75/25 opens the review', async () => {
	const tmux = new Tmux();
	try {
		tmux.start(CLI, {env: ENV});
		await tmux.waitFor(cardsLive, 30_000);

		tmux.keys('2');
		await tmux.waitFor((screen) => /─ logs \d+ lines following/.test(screen) && logRows(screen).length > 5);
		tmux.keys('/linear', 'Enter');
		// The canary's new error message ("... fell back to linear scan") comes a few times a minute.
		const filtered = await tmux.waitFor((screen) => /─ logs [1-9]\d* lines \[\/linear\/\] following/.test(screen) && logRows(screen).length > 0, 60_000);
		assert.match(filtered, /─ logs \d+ lines \[\/linear\/\] following/, 'the header shows the filter and the view still follows');
		for (const row of logRows(filtered)) assert.match(row, /linear/, `only matching lines: ${row}`);
		assert.doesNotMatch(filtered, /filter \(regex/, 'the prompt closed on Enter');

		tmux.keys('1');
		await tmux.waitFor((screen) => /─ verdict/.test(screen));
		tmux.keys('w');
		await tmux.waitFor((screen) => /split stable\/canary, e\.g\. 75\/25/.test(screen));
		tmux.keys('75/25', 'Enter');
		const review = await tmux.waitFor((screen) => screen.includes('confirm: set 90/10 -> 75/25'));
		assert.match(review, /weight=75/, 'the review shows the upstream diff');
		tmux.keys('n');
		await tmux.waitFor((screen) => !screen.includes('confirm:') && cardsLive(screen));
		assert.match(tmux.capture(), /canary-console 90\/10/, 'nothing changed without a confirmation');

		tmux.keys('q');
		await tmux.waitFor((screen) => /CONSOLE-EXIT=0/.test(screen), 15_000);
	} finally {
		tmux.kill();
	}
});
