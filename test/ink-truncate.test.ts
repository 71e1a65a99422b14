import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {truncateNarrowEnd} from '../source/ui/ink-patches.ts';
import {parseRow} from '../source/ui/row-diff.ts';

// The fast cut Ink's wrap-text uses for one-cell text must leave the same cells, in the same
// styles, as cli-truncate (which Ink uses otherwise).

const inkBuild = dirname(createRequire(import.meta.url).resolve('ink'));
const cliTruncate = (await import(pathToFileURL(createRequire(join(inkBuild, 'index.js')).resolve('cli-truncate')).href)).default as (text: string, columns: number, options: {position: string}) => string;

const CSI = '\u001B[';
const samples = [
	'canary-console 90/10 (stage 1/3) observed 90/10   INCONCLUSIVE  too little data: N=11 in 5.923 s, need 50',
	`${CSI}1mcanary-console${CSI}22m 90/10 ${CSI}7m${CSI}1m${CSI}33m HOLD ${CSI}39m${CSI}22m${CSI}27m canary p95 93 ms vs stable 36 ms: +57 ms (+159 %) > +20 %`,
	`${CSI}1m${CSI}36mS${CSI}39m${CSI}22m ${CSI}31m13:25:10.875 ERROR Request rejected: RANGE.EPHEMERIS_OUTSIDE - Date outside ephemeris range${CSI}39m`,
	`${CSI}90m─ logs 5157 lines following ${'─'.repeat(120)}${CSI}39m`,
	'short',
	'',
	`${CSI}32mab${CSI}39mcd${CSI}1mef${CSI}22m`,
];

test('the fast cut leaves the cells and styles cli-truncate leaves', () => {
	for (const text of samples) {
		for (const width of [1, 2, 3, 5, 10, 40, 79, 80, 119, 120, 200]) {
			const fast = truncateNarrowEnd(text, width);
			assert.notEqual(fast, null, text);
			assert.notEqual(parseRow(fast!), null, `${JSON.stringify(fast)} parses`);
			assert.deepEqual(parseRow(fast!), parseRow(cliTruncate(text, width, {position: 'end'})), `${JSON.stringify(text)} at ${width}`);
		}
	}
});

test('text with wide characters or other escapes is left to cli-truncate', () => {
	assert.equal(truncateNarrowEnd('東京 request served', 5), null);
	assert.equal(truncateNarrowEnd(`${CSI}2Kline`, 3), null);
});
