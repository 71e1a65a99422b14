import React from 'react';
import {Text} from 'ink';
import type {PatternRow} from '../domain/error-diff.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';
import {clock, fit, fitLeft} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// Error patterns of canary against stable, per 1,000 requests each engine served.

function flagText(row: PatternRow): string {
	if (row.flag === 'UP') return `UP x${(row.upFactor ?? 0).toFixed(1)}`;
	if (row.flag === 'FEW') return 'new?';
	return row.flag;
}

function flagColour(row: PatternRow): string | undefined {
	if (row.critical || row.verdict === 'FAIL') return theme.state.fail;
	if (row.flag === 'NEW' || row.flag === 'UP') return theme.state.warn;
	if (row.flag === 'GONE' || row.flag === 'DOWN') return theme.state.pass;
	return theme.text.dim;
}

const per1k = (value: number | null) => (value === null ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(0));

export const PatternsPanel = React.memo(function PatternsPanel({rows, width, height, selected, detail}: {rows: readonly PatternRow[]; width: number; height: number; selected?: number; detail?: boolean}) {
	const fixed = 8 + 7 + 7 + 8 + 8 + 9 + (detail ? 18 : 0);
	const templateWidth = Math.max(10, width - fixed - 2);
	const body = Math.max(0, height - 2);
	const start = selected === undefined ? 0 : Math.max(0, Math.min(selected - body + 1, rows.length - body));
	const visible = rows.slice(start, start + body);
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{`error patterns, canary vs stable per 1k requests (${rows.length})`}</Title>
			<Line dim>{`${fit('flag', 8)}${fitLeft('stable', 7)}${fitLeft('canary', 7)}${fitLeft('s/1k', 8)}${fitLeft('c/1k', 8)} ${detail ? `${fit('first', 9)}${fit('last', 9)}` : ''}pattern`}</Line>
			{rows.length === 0 ? <Line dim>no WARN or ERROR lines yet</Line> : null}
			{visible.map((row, index) => (
				<Line key={row.id} inverse={selected === start + index}>
					<Text color={flagColour(row)} bold>
						{fit(`${row.critical ? '!' : ''}${flagText(row)}`, 8)}
					</Text>
					{`${fitLeft(String(row.stableCount), 7)}${fitLeft(String(row.canaryCount), 7)}${fitLeft(per1k(row.stablePer1k), 8)}${fitLeft(per1k(row.canaryPer1k), 8)} `}
					{detail ? `${fit(clock(row.firstSeen), 9)}${fit(clock(row.lastSeen), 9)}` : ''}
					{fit(sanitizeForTerminal(row.template), templateWidth)}
				</Line>
			))}
		</Panel>
	);
});
