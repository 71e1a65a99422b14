import {spread, verdict, type Spread} from './stats.ts';

// The report: one row per figure and load, min/median/max over the runs, budget, ok/over.

export interface Row {
	figure: string;
	load: string;
	unit: string;
	values: number[];
	/** Ceiling the median must hold; null when the figure is reported without a budget. */
	budget: number | null;
	note?: string;
}

export interface ReportRow extends Row {
	spread: Spread | null;
	status: 'ok' | 'over' | 'n/a' | 'none';
}

export function toReportRows(rows: Row[]): ReportRow[] {
	return rows.map((row) => {
		const s = spread(row.values);
		return {...row, spread: s, status: verdict(s, row.budget)};
	});
}

/** A number as a person reads it: 3 significant digits, thousands separated. */
export function formatNumber(value: number): string {
	if (!Number.isFinite(value)) return '-';
	const abs = Math.abs(value);
	if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
	if (abs >= 100) return value.toFixed(0);
	if (abs >= 10) return value.toFixed(1);
	if (abs === 0) return '0';
	return value.toFixed(2);
}

export function formatTable(rows: ReportRow[]): string {
	const header = ['figure', 'load', 'min', 'median', 'max', 'budget', 'status'];
	const body = rows.map((row) => [
		`${row.figure}${row.unit ? ` (${row.unit})` : ''}`,
		row.load,
		row.spread ? formatNumber(row.spread.min) : '-',
		row.spread ? formatNumber(row.spread.median) : '-',
		row.spread ? formatNumber(row.spread.max) : '-',
		row.budget === null ? '-' : `<= ${formatNumber(row.budget)}`,
		row.status === 'n/a' ? '' : row.status,
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
	const numeric = new Set([2, 3, 4, 5]);
	const line = (cells: string[]) => `| ${cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`;
	const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
	return [line(header), rule, ...body.map(line)].join('\n');
}
