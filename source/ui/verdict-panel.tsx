import React from 'react';
import {Box, Text} from 'ink';
import type {CheckRow, CheckState, Overall, Verdict} from '../domain/figures.ts';
import {fit, fitLeft, wrapWords} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';

// The check table: value, threshold, window, sample size, state and budget for every check,
// so "why did it fail?" is answered on screen.

export function stateColour(state: CheckState): string {
	if (state === 'PASS') return theme.state.pass;
	if (state === 'WARN') return theme.state.warn;
	if (state === 'FAIL') return theme.state.fail;
	return theme.state.nodata;
}

export function overallColour(overall: Overall | undefined): string {
	if (overall === 'READY TO PROMOTE' || overall === 'SOAKING') return theme.state.pass;
	if (overall === 'ROLLED BACK') return theme.state.warn;
	if (overall === 'HOLD') return theme.state.warn;
	if (overall === 'ROLL BACK') return theme.state.fail;
	return theme.state.nodata;
}

export function formatValue(value: number | null, unit: CheckRow['unit']): string {
	if (value === null || !Number.isFinite(value)) return '-';
	if (unit === 'ms') return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)}ms`;
	if (unit === '%') return `${value < 1 ? value.toFixed(2) : value.toFixed(1)}%`;
	if (unit === 'pts') return `${value.toFixed(1)}pt`;
	return String(value);
}

/** Column widths from the text there is: check names whole first, then the threshold. */
export function verdictColumns(rows: readonly CheckRow[], width: number) {
	const widest = (header: string, cells: string[]) => Math.max(header.length, ...cells.map((cell) => cell.length));
	const value = 1 + widest('stable', rows.flatMap((row) => [formatValue(row.stable, row.unit), formatValue(row.canary, row.unit)]));
	const window = 1 + widest('window', rows.map((row) => `${Math.round(row.windowSec)}s`));
	const n = 1 + widest('N', rows.map((row) => (row.n === null ? '-' : String(row.n))));
	const state = 1 + widest('state', rows.map((row) => row.state));
	const budget = widest('budget', rows.map((row) => `${row.budget.used}/${row.budget.of}`));
	// State and budget never give way: on a narrow screen the threshold column does (the
	// verdict view, 4, shows it in full).
	const fixed = 2 * value + window + n + 2 + state + budget;
	const room = width - 1 - fixed;
	const labelNeed = 1 + widest('check', rows.map((row) => row.label));
	const label = Math.max(9, Math.min(labelNeed, room - 13));
	const thresholdNeed = 1 + widest('threshold', rows.map((row) => row.threshold));
	const threshold = room - label >= 13 ? Math.min(thresholdNeed, room - label) : 0;
	return {label: Math.max(label, room - threshold), value, threshold, window, n, state, budget};
}

/**
 * The rows a panel of `room` lines shows: all when they fit, else passing and data-less rows
 * leave first, from the end, so a failing check (Redis down, response drift) is never the one
 * cut. Order is kept.
 */
export function rowsThatFit(rows: readonly CheckRow[], room: number): readonly CheckRow[] {
	if (rows.length <= room) return rows;
	const keep = new Set(rows);
	for (let i = rows.length - 1; i >= 0 && keep.size > room; i--) if (rows[i]!.state === 'PASS' || rows[i]!.state === 'NO DATA') keep.delete(rows[i]!);
	return rows.filter((row) => keep.has(row));
}

export const VerdictPanel = React.memo(function VerdictPanel({verdict, width, height, selected, past}: {verdict: Verdict | null; width: number; height: number; selected?: number; past?: string}) {
	// A selection indexes the whole list (the verdict view): only the overview's panel leaves rows out.
	const rows = selected === undefined ? rowsThatFit(verdict?.checks ?? [], height - 2) : (verdict?.checks ?? []);
	const c = verdictColumns(rows, width);
	// A threshold too long for its column wraps under itself when the panel has the lines for it.
	const wraps = rows.map((row) => (c.threshold > 0 ? wrapWords(row.threshold, c.threshold - 1) : ['']));
	const wrap = c.threshold > 0 && 2 + rows.length + wraps.reduce((sum, parts) => sum + parts.length - 1, 0) <= height;
	const threshold = (text: string) => (c.threshold > 0 ? fit(` ${text}`, c.threshold) : '');
	const lines: React.ReactNode[] = [];
	rows.forEach((row, index) => {
		const parts = wrap ? wraps[index]! : [row.threshold];
		lines.push(
			<Line key={row.id} inverse={selected === index}>
				{`${fit(row.label, c.label)}${fitLeft(formatValue(row.stable, row.unit), c.value)}${fitLeft(formatValue(row.canary, row.unit), c.value)}${threshold(parts[0]!)}${fitLeft(`${Math.round(row.windowSec)}s`, c.window)}${fitLeft(row.n === null ? '-' : String(row.n), c.n)}  `}
				<Text color={stateColour(row.state)} bold>
					{fit(row.state, c.state)}
				</Text>
				{`${row.budget.used}/${row.budget.of}`}
			</Line>,
		);
		for (const [part, text] of parts.slice(1).entries()) {
			lines.push(<Line key={`${row.id}-${part}`} inverse={selected === index}>{`${' '.repeat(c.label + 2 * c.value)}${threshold(text)}`}</Line>);
		}
	});
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{past ? `verdict ${past}` : 'verdict'}</Title>
			<Line dim>{`${fit('check', c.label)}${fitLeft('stable', c.value)}${fitLeft('canary', c.value)}${threshold('threshold')}${fitLeft('window', c.window)}${fitLeft('N', c.n)}  ${fit('state', c.state)}budget`}</Line>
			{rows.length === 0 ? <Line dim>waiting for two scrapes of both engines</Line> : null}
			{lines}
		</Panel>
	);
});

/** Where this deployment's state is kept, for troubleshooting: the state directory and the audit log. */
export interface StatePaths {
	stateDir: string;
	auditPath: string;
}

/** The reasons, each wrapped under itself when all of them fit so, else cut at the edge. */
function whyLines(verdict: Verdict | null, selected: CheckRow | undefined, width: number, room: number): React.ReactNode[] {
	const entries: {key: string; text: string; bold?: boolean; dim?: boolean}[] = [
		{key: 'overall', text: verdict ? `${verdict.overall}: ${verdict.reason}` : 'no verdict yet', bold: true},
		...(selected ? [{key: 'selected', text: `selected: ${selected.label}: ${selected.reason}`}] : []),
		// The PromQL behind the selected row's values, whole, to paste into Prometheus' UI.
		...(selected?.queries ? (['canary', 'stable'] as const).flatMap((role) => (selected.queries?.[role] ? [{key: `promql-${role}`, text: `PromQL ${role}: ${selected.queries[role]}`}] : [])) : []),
		...(verdict?.checks ?? []).map((entry) => ({key: entry.id, text: `${entry.label}: ${entry.reason}`, dim: true})),
	];
	const wrapped = entries.map((entry) => wrapWords(entry.text, width - 3).map((part, index) => (index === 0 ? part : `  ${part}`)));
	const fits = wrapped.reduce((sum, parts) => sum + parts.length, 0) <= room;
	return entries.flatMap((entry, index) =>
		(fits ? wrapped[index]! : [entry.text]).map((text, part) => (
			<Line key={`${entry.key}-${part}`} bold={entry.bold} dim={entry.dim}>
				{text}
			</Line>
		)),
	);
}

/** Verdict detail: every row with its reason in full. */
export function VerdictDetail({verdict, width, height, selected, paths, past}: {verdict: Verdict | null; width: number; height: number; selected: number; paths?: StatePaths; past?: string}) {
	const rows = verdict?.checks ?? [];
	const columns = verdictColumns(rows, width);
	const wrapped = columns.threshold > 0 ? rows.reduce((sum, row) => sum + wrapWords(row.threshold, columns.threshold - 1).length, 0) : rows.length;
	// Thresholds wrapped whole when that leaves the reasons at least half the view.
	const tableHeight = Math.min(height, (wrapped + 3 <= height / 2 ? wrapped : rows.length) + 3);
	const row = rows[selected];
	// A panel counts its children as lines: the table is a block of its own above it.
	return (
		<Box flexDirection="column" width={width} height={height}>
			<VerdictPanel verdict={verdict} width={width} height={tableHeight} selected={selected} past={past} />
			<Panel width={width} height={height - tableHeight}>
				<Title width={width - 1}>why</Title>
				{whyLines(verdict, row, width, height - tableHeight - 1 - (paths ? 1 : 0))}
				{paths ? <Line dim>{sanitizeForTerminal(`state ${paths.stateDir}  audit log ${paths.auditPath}`)}</Line> : null}
			</Panel>
		</Box>
	);
}
