import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {cpuPercent, parseStatTicks, parseStatusKb} from '../bench/proc.ts';
import {quantile, spread, verdict} from '../bench/stats.ts';
import {formatNumber, formatTable, toReportRows} from '../bench/table.ts';
import {isCompleteFrame, isHelpShown, newestLogTime} from '../bench/screen.ts';
import {countSeries, metricsPage} from '../bench/metrics-page.ts';
import {parsePrometheus} from '../source/domain/prometheus.ts';

test('parseStatTicks adds utime and stime, even with spaces and parentheses in the name', () => {
	const fields = Array.from({length: 50}, (_, i) => String(i + 3));
	// fields 14 and 15 (1-based) are utime and stime: here 14 and 15.
	const line = `1234 (node (bench) x) ${fields.join(' ')}\n`;
	assert.equal(parseStatTicks(line), 14 + 15);
	assert.throws(() => parseStatTicks('1 (x) S'), /unreadable/);
});

test('parseStatTicks reads the real /proc/self/stat', () => {
	const ticks = parseStatTicks(readFileSync('/proc/self/stat', 'utf8'));
	assert.ok(Number.isInteger(ticks) && ticks >= 0);
});

test('parseStatusKb reads Vm fields in bytes', () => {
	const text = 'Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
	assert.equal(parseStatusKb(text, 'VmHWM'), 204800 * 1024);
	assert.equal(parseStatusKb(text, 'VmRSS'), 102400 * 1024);
	assert.equal(parseStatusKb(text, 'VmSwap'), null);
});

test('cpuPercent is percent of one core over the wall time', () => {
	assert.equal(cpuPercent(10, 10.5, 2000), 25);
	assert.equal(cpuPercent(1, 1, 0), 0);
});

test('spread gives min, median and max; even counts average the middle two', () => {
	assert.deepEqual(spread([3, 1, 2]), {min: 1, median: 2, max: 3, n: 3});
	assert.deepEqual(spread([4, 1, 3, 2]), {min: 1, median: 2.5, max: 4, n: 4});
	assert.equal(spread([]), null);
	assert.deepEqual(spread([NaN, 5]), {min: 5, median: 5, max: 5, n: 1});
});

test('verdict checks the median against the ceiling', () => {
	assert.equal(verdict(spread([1, 2, 100]), 3), 'ok');
	assert.equal(verdict(spread([4, 5, 1]), 3), 'over');
	assert.equal(verdict(spread([0, 0, 0]), 0), 'ok');
	assert.equal(verdict(null, 3), 'none');
	assert.equal(verdict(spread([1]), null), 'n/a');
});

test('quantile by nearest rank', () => {
	const values = Array.from({length: 100}, (_, i) => i + 1);
	assert.equal(quantile(values, 0.95), 95);
	assert.equal(quantile(values, 0.5), 50);
	assert.equal(quantile([], 0.5), null);
});

test('formatTable aligns columns and shows budget and status', () => {
	const rows = toReportRows([
		{figure: 'console CPU', load: '1,000/s', unit: '%', values: [10, 20, 30], budget: 15},
		{figure: 'raw reader', load: '1,000/s', unit: '%', values: [5], budget: null},
		{figure: 'missing', load: '-', unit: 'ms', values: [], budget: 50},
	]);
	const text = formatTable(rows);
	const lines = text.split('\n');
	assert.equal(lines.length, 5);
	assert.ok(new Set(lines.map((l) => l.length)).size === 1, 'all lines the same width');
	assert.match(lines[2], /console CPU \(%\).*10\.0 \|.*20\.0 \|.*30\.0 \|.*<= 15\.0 \| over/);
	assert.match(lines[3], /raw reader.*5\.00 \|\s+- \|/);
	assert.match(lines[4], /missing.*none/);
	assert.equal(formatNumber(12345.6), '12,346');
	assert.equal(formatNumber(0), '0');
});

const FRAME = [
	'canary-console 90/10 (stage 1/3) observed 90/10   INCONCLUSIVE',
	'11:51:48  soak 5s of 2h00m  lab',
	'─ STABLE 1.1.0 ──────────── ─ CANARY 1.2.0 ────────────',
	'stable healthy   live        canary healthy   live',
	'─ log tail (2: logs view) ───',
	'S 11:51:48.574 INFO  HTTP request processed',
	'C 11:51:49.001 INFO  Redis ping ok',
	'S 11:51:48.900 WARN  Request rejected',
].join('\n');

test('isCompleteFrame needs the header and both cards with their first line', () => {
	assert.equal(isCompleteFrame(FRAME), true);
	assert.equal(isCompleteFrame(FRAME.replace('canary-console', 'xx')), false);
	assert.equal(isCompleteFrame(FRAME.split('\n').slice(0, 3).join('\n')), false);
	assert.equal(isHelpShown('─ keys (? or esc to close) ──'), true);
	assert.equal(isHelpShown(FRAME), false);
});

test('newestLogTime takes the newest stamp in the tail, dated nearest to now', () => {
	const now = Date.parse('2026-11-27T11:51:49.250Z');
	assert.equal(newestLogTime(FRAME, now), Date.parse('2026-11-27T11:51:49.001Z'));
	assert.equal(newestLogTime('no log lines', now), null);
	// Just after midnight, a line from 23:59:59.900 belongs to the day before.
	const afterMidnight = Date.parse('2026-11-28T00:00:00.100Z');
	assert.equal(newestLogTime('S 23:59:59.900 INFO x', afterMidnight), Date.parse('2026-11-27T23:59:59.900Z'));
});

test('metricsPage has exactly the asked number of series, and they all parse', () => {
	const page = metricsPage(10_000);
	assert.equal(countSeries(page), 10_000);
	const parsed = parsePrometheus(page);
	assert.equal(parsed.samples.length, 10_000);
	assert.deepEqual(parsed.errors, []);
});
