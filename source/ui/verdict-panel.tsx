import React from 'react';
import {Box, Text} from 'ink';
import type {CheckRow, CheckState, Overall, Verdict} from '../domain/figures.ts';
import {fit, fitLeft} from './format.ts';
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

export const VerdictPanel = React.memo(function VerdictPanel({verdict, width, height, selected}: {verdict: Verdict | null; width: number; height: number; selected?: number}) {
	const rows = verdict?.checks ?? [];
	// State and budget never give way: on a narrow screen the threshold column does (the
	// verdict view, 4, shows it in full).
	const fixed = 9 + 9 + 7 + 7 + 10 + 6;
	const room = width - 1 - fixed;
	const thresholdWidth = room >= 12 + 14 ? Math.min(34, room - 12) : 0;
	const labelWidth = Math.max(8, room - thresholdWidth);
	const threshold = (text: string) => (thresholdWidth > 0 ? fit(` ${text}`, thresholdWidth) : '');
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>verdict</Title>
			<Line dim>{`${fit('check', labelWidth)}${fitLeft('stable', 9)}${fitLeft('canary', 9)}${threshold('threshold')}${fitLeft('window', 7)}${fitLeft('N', 7)}  ${fit('state', 8)}budget`}</Line>
			{rows.length === 0 ? <Line dim>waiting for two scrapes of both engines</Line> : null}
			{rows.map((row, index) => (
				<Line key={row.id} inverse={selected === index}>
					{`${fit(row.label, labelWidth)}${fitLeft(formatValue(row.stable, row.unit), 9)}${fitLeft(formatValue(row.canary, row.unit), 9)}${threshold(row.threshold)}${fitLeft(`${Math.round(row.windowSec)}s`, 7)}${fitLeft(row.n === null ? '-' : String(row.n), 7)}  `}
					<Text color={stateColour(row.state)} bold>
						{fit(row.state, 8)}
					</Text>
					{`${row.budget.used}/${row.budget.of}`}
				</Line>
			))}
		</Panel>
	);
});

/** Where this deployment's state is kept, for troubleshooting: the state directory and the audit log. */
export interface StatePaths {
	stateDir: string;
	auditPath: string;
}

/** Verdict detail: every row with its reason in full. */
export function VerdictDetail({verdict, width, height, selected, paths}: {verdict: Verdict | null; width: number; height: number; selected: number; paths?: StatePaths}) {
	const rows = verdict?.checks ?? [];
	const tableHeight = Math.min(height, rows.length + 3);
	const row = rows[selected];
	// A panel counts its children as lines: the table is a block of its own above it.
	return (
		<Box flexDirection="column" width={width} height={height}>
			<VerdictPanel verdict={verdict} width={width} height={tableHeight} selected={selected} />
			<Panel width={width} height={height - tableHeight}>
				<Title width={width - 1}>why</Title>
				<Line bold>{verdict ? `${verdict.overall}: ${verdict.reason}` : 'no verdict yet'}</Line>
				{row ? <Line>{`selected: ${row.label}: ${row.reason}`}</Line> : null}
				{paths ? <Line dim>{sanitizeForTerminal(`state ${paths.stateDir}  audit log ${paths.auditPath}`)}</Line> : null}
				{rows.map((entry) => (
					<Line key={entry.id} dim>{`${entry.label}: ${entry.reason}`}</Line>
				))}
			</Panel>
		</Box>
	);
}
