import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {overviewLayout} from '../source/ui/overview.tsx';
import {HEADER_HEIGHT} from '../source/ui/header.tsx';
import {CARD_HEIGHT} from '../source/ui/engine-cards.tsx';
import {clock} from '../source/ui/format.ts';
import {startClockedDeployment} from './helpers/clocked-deployment.ts';
import {waitUntil} from './helpers/wait.ts';

// Stepping back 5 minutes shows the verdict table and the cards as they were then: the screen
// of a Monitor on a clock the test moves is captured at t0, the engines change, five minutes
// of polls and verdicts pass, `{` steps back, and the same panels are compared with the capture.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');
const COLUMNS = 120;
const ROWS = 40;
/** The split panel's width beside the verdict table at 120 columns (overview.tsx). */
const SPLIT_WIDTH = 36;

/** The cards and the verdict table of an overview frame; titles without their rule and their "at ..." label. */
function panels(frame: string): string[] {
	const lines = frame.split('\n');
	const layout = overviewLayout(ROWS);
	const cards = lines.slice(HEADER_HEIGHT, HEADER_HEIGHT + CARD_HEIGHT);
	const top = HEADER_HEIGHT + CARD_HEIGHT + layout.charts;
	const verdict = lines.slice(top, top + layout.verdict).map((line) => line.slice(SPLIT_WIDTH));
	const title = (line: string) => line.replace(/ {2}at \d\d:\d\d:\d\d, \d+ (s|min) ago/g, '').replace(/ at \d\d:\d\d:\d\d, \d+ (s|min) ago/, '').replace(/─+/g, '─').trimEnd();
	return [...cards, ...verdict].map(title);
}

test('stepping back 5 minutes shows the verdict table and cards as they were then; end returns to live', async () => {
	const d = startClockedDeployment();
	const size = {columns: COLUMNS, rows: ROWS};
	const app = render(<App monitor={d.monitor} size={{get: () => size, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} />);
	const frame = () => strip(app.lastFrame());
	/** The frame once the screen has drawn the newest poll (the header's clock says its second). */
	const drawn = () => waitUntil(`the screen at ${clock(d.now())}`, () => frame().includes(`${clock(d.now())}  soak`) && frame(), {detail: frame});
	const press = async (key: string) => {
		app.stdin.write(key);
		await new Promise((resolve) => setImmediate(resolve));
	};
	try {
		for (let i = 0; i < 90; i++) await d.advance(2000);
		// The canary gets slower: the moment to come back to.
		d.script.canary.latency = 0.2;
		for (let i = 0; i < 45; i++) await d.advance(2000);
		const t0 = d.now();
		const then = panels(await drawn());
		assert.match(then.join('\n'), /CANARY 1\.2\.0/);
		assert.match(then.join('\n'), /p95 latency/, then.join('\n'));

		// Five minutes of a different canary: errors, more latency, more memory.
		Object.assign(d.script.canary, {latency: 0.6, errorShare: 0.08, memMb: 300});
		for (let i = 0; i < 150; i++) await d.advance(2000);
		assert.equal(d.now() - t0, 5 * 60_000);
		const live = await drawn();
		assert.notDeepEqual(panels(live), then, 'the engines changed after t0, so the live panels differ from the capture');
		assert.doesNotMatch(live, /NOT LIVE/);

		await press('{');
		const past = await waitUntil('the overview 5 minutes back', () => frame().includes('NOT LIVE') && frame(), {detail: frame});
		assert.match(past, new RegExp(`NOT LIVE: at ${clock(t0)}, 5 min ago`));
		assert.match(past, new RegExp(`verdict at ${clock(t0)}, 5 min ago`));
		assert.match(past, new RegExp(`CANARY 1\\.2\\.0 +at ${clock(t0)}, 5 min ago`));
		assert.deepEqual(panels(past), then);

		// Live data keeps coming while the view looks back; the view stays on its moment.
		const newest = d.monitor.history.newest!;
		for (let i = 0; i < 15; i++) await d.advance(2000);
		assert.ok(d.monitor.history.newest! > newest);
		const later = await drawn();
		assert.match(later, new RegExp(`NOT LIVE: at ${clock(t0)}, 5 min ago`));
		assert.deepEqual(panels(later), then);

		await press('\u001B[F');
		const back = await waitUntil('live again', () => !frame().includes('NOT LIVE') && frame(), {detail: frame});
		assert.deepEqual(panels(back), panels(await drawn()));
		assert.notDeepEqual(panels(back), then);
	} finally {
		app.unmount();
		await d.monitor.stop();
	}
});
