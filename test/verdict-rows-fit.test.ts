import {test} from 'node:test';
import assert from 'node:assert/strict';
import type {CheckRow} from '../source/domain/figures.ts';
import {rowsThatFit} from '../source/ui/verdict-panel.tsx';

// The overview's verdict panel has fewer lines than there are checks: a failing check is never the one left out.

const row = (id: CheckRow['id'], state: CheckRow['state']): CheckRow => ({id, label: id, stable: null, canary: null, unit: '', threshold: '', windowSec: 60, n: null, state, budget: {used: 0, of: 3}, reason: ''});
const ids = (rows: readonly CheckRow[]) => rows.map((r) => r.id);

test('passing and data-less rows leave first, from the end; failing and warning rows stay, in order', () => {
	const all = [row('p95', 'PASS'), row('p95-relative', 'WARN'), row('5xx', 'PASS'), row('5xx-relative', 'PASS'), row('memory', 'PASS'), row('health', 'PASS'), row('restarts', 'PASS'), row('traffic', 'PASS'), row('errors', 'PASS'), row('cache', 'NO DATA'), row('redis', 'FAIL'), row('drift', 'PASS')];
	assert.deepEqual(ids(rowsThatFit(all, 9)), ['p95', 'p95-relative', '5xx', '5xx-relative', 'memory', 'health', 'restarts', 'traffic', 'redis']);
	assert.deepEqual(ids(rowsThatFit(all, 12)), ids(all));
	const failing = all.map((r) => ({...r, state: 'FAIL' as const}));
	assert.equal(rowsThatFit(failing, 9).length, 12, 'when every row fails none is hidden: the panel cuts, the detail view (4) lists them');
});
