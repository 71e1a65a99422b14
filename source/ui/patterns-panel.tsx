import React from 'react';
import {Text} from 'ink';
import type {PatternRow} from '../domain/error-diff.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';
import {clock, fit, fitLeft, wrapWords} from './format.ts';
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

/** Columns as wide as their text, so the pattern gets the rest of the line. */
function columns(rows: readonly PatternRow[]) {
	const widest = (header: string, cells: string[]) => Math.max(header.length, ...cells.map((cell) => cell.length));
	return {
		flag: 1 + widest('flag', rows.map((row) => `${row.critical ? '!' : ''}${flagText(row)}`)),
		count: 1 + widest('stable', rows.flatMap((row) => [String(row.stableCount), String(row.canaryCount)])),
		per1k: 1 + widest('s/1k', rows.flatMap((row) => [per1k(row.stablePer1k), per1k(row.canaryPer1k)])),
	};
}

/** Lines of each row's pattern: cut to one line, or (the errors view) wrapped to two. */
function patternLines(template: string, width: number, wrap: boolean): string[] {
	const text = sanitizeForTerminal(template);
	if (!wrap || text.length <= width) return [fit(text, width)];
	const [first, ...rest] = wrapWords(text, width);
	return [fit(first!, width), fit(rest.join(' '), width)];
}

export const PatternsPanel = React.memo(function PatternsPanel({rows, width, height, selected, detail, past}: {rows: readonly PatternRow[]; width: number; height: number; selected?: number; detail?: boolean; past?: string}) {
	const c = columns(rows);
	const fixed = c.flag + 2 * c.count + 2 * c.per1k + 1 + (detail ? 18 : 0);
	const templateWidth = Math.max(10, width - 1 - fixed);
	const body = Math.max(0, height - 2);
	const texts = rows.map((row) => patternLines(row.template, templateWidth, detail === true));
	// Scroll so the selected row shows whole, counting the lines each row takes.
	let start = 0;
	if (selected !== undefined) {
		let used = 0;
		for (start = Math.min(selected, rows.length - 1); start >= 0 && used + texts[start]!.length <= body; start--) used += texts[start]!.length;
		start = Math.max(0, start + 1);
	}
	const lines: React.ReactNode[] = [];
	for (let index = start; index < rows.length && lines.length < body; index++) {
		const row = rows[index]!;
		const [first, ...more] = texts[index]!;
		lines.push(
			<Line key={row.id} inverse={selected === index}>
				<Text color={flagColour(row)} bold>
					{fit(`${row.critical ? '!' : ''}${flagText(row)}`, c.flag)}
				</Text>
				{`${fitLeft(String(row.stableCount), c.count)}${fitLeft(String(row.canaryCount), c.count)}${fitLeft(per1k(row.stablePer1k), c.per1k)}${fitLeft(per1k(row.canaryPer1k), c.per1k)} `}
				{detail ? `${fit(clock(row.firstSeen), 9)}${fit(clock(row.lastSeen), 9)}` : ''}
				{first}
			</Line>,
		);
		for (const text of more) lines.push(<Line key={`${row.id}-more`} inverse={selected === index}>{`${' '.repeat(fixed)}${text}`}</Line>);
	}
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{`error patterns, canary vs stable per 1k requests (${rows.length})${past ? `  ${past}` : ''}`}</Title>
			<Line dim>{`${fit('flag', c.flag)}${fitLeft('stable', c.count)}${fitLeft('canary', c.count)}${fitLeft('s/1k', c.per1k)}${fitLeft('c/1k', c.per1k)} ${detail ? `${fit('first', 9)}${fit('last', 9)}` : ''}pattern`}</Line>
			{rows.length === 0 ? <Line dim>no WARN or ERROR lines yet</Line> : null}
			{lines}
		</Panel>
	);
});
