import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {Help, helpLayout} from '../source/ui/help.tsx';
import {VerdictDetail, VerdictPanel} from '../source/ui/verdict-panel.tsx';
import {PatternsPanel} from '../source/ui/patterns-panel.tsx';
import {HEADER_HEIGHT} from '../source/ui/header.tsx';
import {KEYMAP} from '../source/keymap.ts';
import type {CheckRow, Verdict} from '../source/domain/figures.ts';
import type {PatternRow} from '../source/domain/error-diff.ts';

// The room there is: at 120x40 the help, the verdict table and the error patterns show their
// text whole; at 80x24 they shorten with '…' and every line still fits.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');
/** The body's height under the header and above the status line, as app.tsx gives it. */
const bodyOf = (rows: number) => rows - HEADER_HEIGHT - 1;

function assertFits(frame: string, columns: number, rows: number) {
	const lines = frame.split('\n');
	assert.ok(lines.length <= rows, `${lines.length} lines for ${rows}`);
	for (const line of lines) assert.ok([...line].length <= columns, `wider than ${columns}: ${line}`);
}

test('help at 120x40: every key with its description whole; at 80x24 every key on one of its pages, descriptions cut with …', () => {
	const wide = strip(render(<Help width={120} height={bodyOf(40)} />).lastFrame());
	assertFits(wide, 120, bodyOf(40));
	assert.doesNotMatch(wide, /…/);
	// Each column read top to bottom: a key's row and the lines wrapped under it give its description.
	for (const column of helpLayout(120, bodyOf(40) - 1)) {
		const texts: string[] = [];
		for (const row of column.rows) {
			if (row.kind === 'key') texts.push([row.text, row.views].filter(Boolean).join('  '));
			else if (row.kind === 'more') texts[texts.length - 1] += ` ${[row.text, row.views].filter(Boolean).join('  ')}`;
		}
		for (const text of texts) assert.ok(KEYMAP.some((binding) => text === binding.description || text.startsWith(`${binding.description}  (`)), `whole: ${text}`);
	}
	for (const binding of KEYMAP) assert.ok(wide.includes(binding.description.split(' ').slice(0, 3).join(' ')), `listed: ${binding.description}`);

	const pages = [0, 1, 2, 3].map((page) => strip(render(<Help width={80} height={bodyOf(24)} page={page} />).lastFrame()));
	for (const page of pages) assertFits(page, 80, bodyOf(24));
	assert.match(pages[0]!, /keys \(\? or esc to close\)  page 1\/3, space: next, k: back/);
	assert.match(pages[2]!, /page 3\/3/);
	assert.equal(pages[3], pages[2], 'a page past the last shows the last');
	const small = pages.slice(0, 3).join('\n');
	assert.match(small, /…/);
	for (const binding of KEYMAP) {
		const keys = binding.keys.join(' ');
		assert.ok(small.split('\n').some((line) => new RegExp(`(^|\\s)${keys.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`).test(line)), `key ${keys} on screen at 80x24`);
	}
});

const check = (id: CheckRow['id'], label: string, threshold: string, unit: CheckRow['unit'] = 'ms'): CheckRow => ({id, label, stable: 35.8, canary: 92.6, unit, threshold, windowSec: 60, n: 110, state: 'PASS', budget: {used: 0, of: 3}, reason: `why ${label}`});
// The checks and thresholds as the verdict writes them with the default thresholds.
const verdict: Verdict = {
	overall: 'HOLD',
	reason: 'canary p95 93 ms vs stable 36 ms',
	at: 0,
	checks: [
		check('p95', 'p95 latency', 'warn > 200 ms, fail > 300 ms'),
		check('p95-relative', 'p95 vs stable', 'warn > +20 % and +25 ms, fail > +50 % and +50 ms'),
		check('5xx', '5xx rate', 'warn > 0.1 %, fail > 0.5 %', '%'),
		check('5xx-relative', '5xx vs stable', 'warn z > 1.96, fail z > 3.00; N >= 200 each', '%'),
		check('memory', 'memory', 'warn > 70 %, fail > 80 % of limit', '%'),
		check('health', 'health', 'fail if unhealthy, warn if degraded', ''),
		check('cache', 'cache hit rate', 'warn > 5 points below stable', '%'),
		{...check('errors', 'new error patterns', 'warn: new pattern > 1 per 1k requests; fail: critical pattern', ''), state: 'NO DATA'},
	],
};

test('verdict at 120x40: check names whole in the overview, thresholds whole in the verdict view; at 80x24 cut with …', () => {
	// The overview gives the verdict the width left by the split panel (36 columns at 120).
	const overview = strip(render(<VerdictPanel verdict={verdict} width={120 - 36} height={11} />).lastFrame());
	assertFits(overview, 84, 11);
	for (const row of verdict.checks) assert.ok(overview.split('\n').some((line) => line.startsWith(`${row.label} `)), `name whole: ${row.label}\n${overview}`);

	const detail = strip(render(<VerdictDetail verdict={verdict} width={120} height={bodyOf(40)} selected={0} />).lastFrame());
	assertFits(detail, 120, bodyOf(40));
	const lines = detail.split('\n');
	const from = lines.find((line) => line.startsWith('check '))!.indexOf('threshold');
	for (const row of verdict.checks) {
		// The row's threshold cell, and the lines wrapped under it.
		const at = lines.findIndex((line) => line.startsWith(`${row.label} `));
		let text = lines[at]!.slice(from).replace(/\s+\d+s\s+\S+\s+(PASS|WARN|FAIL|NO DATA)\s+\d+\/\d+$/, '').trim();
		for (let next = at + 1; /^\s{10}/.test(lines[next] ?? '') && lines[next]!.trim() !== ''; next++) text += ` ${lines[next]!.trim()}`;
		assert.equal(text, row.threshold, detail);
	}

	const small = strip(render(<VerdictPanel verdict={verdict} width={80 - 24} height={11} />).lastFrame());
	assertFits(small, 56, 11);
	assert.match(small, /new error pat…/);
	assert.match(small, /NO DATA 0\/3/, 'state and budget stay');
	const smallDetail = strip(render(<VerdictDetail verdict={verdict} width={80} height={bodyOf(24)} selected={0} />).lastFrame());
	assertFits(smallDetail, 80, bodyOf(24));
	assert.match(smallDetail, /warn > \+20 % and[^\n]*…/);
});

const pattern = (id: string, flag: PatternRow['flag'], template: string, stableCount: number, canaryCount: number): PatternRow => ({
	id, template, level: 'WARN', stableCount, canaryCount, stablePer1k: stableCount * 0.85, canaryPer1k: canaryCount * 7.6, ratio: null,
	firstSeen: 0, lastSeen: 0, flag, upFactor: null, critical: false, verdict: null, example: '', exampleEngine: 'canary',
});
const patterns = [
	pattern('a', 'NEW', 'Ephemeris segment lookup fell back to linear scan', 0, 6),
	pattern('b', 'SAME', 'Request rejected: <*> - <*> <*>', 40, 6),
	pattern('c', 'SAME', 'Request rejected: RANGE.EPHEMERIS_OUTSIDE - Date outside ephemeris range', 12, 0),
];

test('error patterns at 120x40 show whole templates, in the overview and the errors view; at 80x24 cut with …', () => {
	const overview = strip(render(<PatternsPanel rows={patterns} width={120} height={5} />).lastFrame());
	assertFits(overview, 120, 5);
	for (const row of patterns) assert.ok(overview.includes(row.template), `whole: ${row.template}\n${overview}`);
	const view = strip(render(<PatternsPanel rows={patterns} width={120} height={bodyOf(40)} selected={2} detail />).lastFrame());
	assertFits(view, 120, bodyOf(40));
	const lines = view.split('\n');
	for (const row of patterns) {
		const at = lines.findIndex((line) => line.includes(row.template.slice(0, 20)));
		const from = lines[at]!.indexOf(row.template.slice(0, 20));
		let text = lines[at]!.slice(from).trim();
		for (let next = at + 1; /^\s{10}/.test(lines[next] ?? '') && lines[next]!.trim() !== ''; next++) text += ` ${lines[next]!.trim()}`;
		assert.equal(text, row.template, view);
	}
	assert.doesNotMatch(view, /…/);

	const small = strip(render(<PatternsPanel rows={patterns} width={80} height={bodyOf(24)} selected={2} detail />).lastFrame());
	assertFits(small, 80, bodyOf(24));
	assert.match(small, /Date…|ephemeris…|EPHEMERIS_OUTSIDE…/);
	assert.match(small, /Ephemeris segment lookup fell\s+back to linear scan/, 'a long template wraps to a second line before it is cut');
});

test('a selected pattern far down the errors view is on screen with all its lines', () => {
	const many = Array.from({length: 30}, (_, index) => pattern(`p${index}`, 'SAME', `pattern number ${index} ${'with a long tail of words '.repeat(index % 3)}`.trim(), index, index));
	const frame = strip(render(<PatternsPanel rows={many} width={80} height={10} selected={29} detail />).lastFrame());
	assertFits(frame, 80, 10);
	assert.match(frame, /pattern number 29/);
	const last = frame.split('\n').filter((line) => line.trim() !== '').at(-1) ?? '';
	assert.ok(last.includes('pattern number 29') || /^\s+\S/.test(last), `the selected row ends the list: ${last}`);
});

test('the verdict view wraps long reasons whole at 120x40 and cuts them at 80x24', () => {
	const long = 'canary cache hit 49.5 % vs stable 58.6 %: 9.0 points lower (within chance: z -1.76) over 60.047 s (N=107), not judged';
	const withReason: Verdict = {...verdict, checks: verdict.checks.map((row) => (row.id === 'cache' ? {...row, reason: long} : row))};
	const wide = strip(render(<VerdictDetail verdict={withReason} width={120} height={bodyOf(40)} selected={0} />).lastFrame());
	assertFits(wide, 120, bodyOf(40));
	const why = wide.slice(wide.indexOf('─ why'));
	assert.ok(why.replace(/\n\s+/g, ' ').includes(`cache hit rate: ${long}`), why);
	const small = strip(render(<VerdictDetail verdict={withReason} width={80} height={bodyOf(24)} selected={0} />).lastFrame());
	assertFits(small, 80, bodyOf(24));
	assert.match(small, /cache hit rate: canary cache hit[^\n]*…/);
});
