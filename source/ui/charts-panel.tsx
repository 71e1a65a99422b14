import React from 'react';
import {Box, Text} from 'ink';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import {bucket, renderChart} from './chart.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';
import {clock, duration} from './format.ts';

// p95 of both engines against the threshold, 5xx % and memory %, over the zoomed span,
// with a marker row where the weights changed (▲) and an engine exited or was OOM-killed (×).

export const MARKS = {weights: '▲', exit: '×', cursor: '┃'} as const;
export const MARK_LEGEND = `${MARKS.weights} weights ${MARKS.exit} exits`;

function markers(changes: readonly number[], exits: readonly number[], from: number, to: number, columns: number, offset: number, cursor?: number): string {
	const row = new Array(columns + offset).fill(' ');
	const mark = (at: number, char: string) => {
		if (at < from || at > to) return;
		const index = offset + Math.min(columns - 1, Math.floor(((at - from) / Math.max(1, to - from)) * columns));
		// A weight change and an exit in one column: the weight change shows.
		if (row[index] !== MARKS.weights || char === MARKS.cursor) row[index] = char;
	};
	for (const at of exits) mark(at, MARKS.exit);
	for (const at of changes) mark(at, MARKS.weights);
	// The moment the overview shows when stepped back: above every other mark.
	if (cursor !== undefined) mark(cursor, MARKS.cursor);
	return row.join('');
}

interface ChartsProps {
	engines: Snapshot['engines'];
	weightChanges: Snapshot['weightChanges'];
	/** Times an engine exited or was OOM-killed (from the timeline). */
	exits: readonly number[];
	startedAt: number;
	width: number;
	height: number;
	zoomMin: number;
	colour: boolean;
	thresholdMs: number;
	/** The moment the overview shows when stepped back into the history: marked on the time axis. */
	cursor?: number;
}

/** Redrawn only when a poll added points (or the size or zoom changed), not on every log line. */
export const ChartsPanel = React.memo(function ChartsPanel({engines, weightChanges, exits, startedAt, width, height, zoomMin, colour, thresholdMs, cursor}: ChartsProps) {
	// The charts end at the newest point, so they stay put between polls.
	const to = Math.max(engines.stable.series.at(-1)?.at ?? startedAt, engines.canary.series.at(-1)?.at ?? startedAt);
	// Until the console has watched for the whole span, the charts cover what it has seen.
	// A moment stepped back to beyond the zoomed span widens it, so the cursor stays on the charts.
	const from = Math.max(Math.min(to - zoomMin * 60_000, cursor ?? to), startedAt);
	const span = to - from === zoomMin * 60_000 ? `${zoomMin}m` : duration(to - from);
	const chartHeight = Math.max(2, height - 2);
	const mainWidth = Math.floor(width * 0.5);
	const sideWidth = Math.floor((width - mainWidth) / 2);
	const columns = (w: number) => Math.max(4, w - 10);
	const series = (role: 'stable' | 'canary', key: 'p95Ms' | 'ratio5xx' | 'memPercent', w: number, scale = 1) =>
		bucket(
			engines[role].series.map((point) => ({at: point.at, value: point[key] === null ? null : point[key]! * scale})),
			from,
			to,
			columns(w),
		);
	const p95 = renderChart(
		[
			{points: series('stable', 'p95Ms', mainWidth), colour: theme.engine.stable},
			{points: series('canary', 'p95Ms', mainWidth), colour: theme.engine.canary},
			{points: new Array(columns(mainWidth)).fill(thresholdMs), colour: 'red'},
		],
		{height: chartHeight, width: mainWidth, colour, unit: (value) => `${value.toFixed(0)}ms`},
	);
	const errors = renderChart(
		[
			{points: series('stable', 'ratio5xx', sideWidth, 100), colour: theme.engine.stable},
			{points: series('canary', 'ratio5xx', sideWidth, 100), colour: theme.engine.canary},
		],
		{height: chartHeight, width: sideWidth, colour, unit: (value) => `${value.toFixed(1)}%`, minMax: 1},
	);
	const memory = renderChart(
		[
			{points: series('stable', 'memPercent', sideWidth), colour: theme.engine.stable},
			{points: series('canary', 'memPercent', sideWidth), colour: theme.engine.canary},
		],
		{height: chartHeight, width: sideWidth, colour, unit: (value) => `${value.toFixed(0)}%`, minMax: 10},
	);
	const column = (title: string, lines: string[], w: number, key: string) => (
		<Panel key={key} width={w} height={height}>
			<Title width={w - 1}>{title}</Title>
			{lines.map((line, index) => (
				<Text key={index} wrap="truncate-end">
					{line || ' '}
				</Text>
			))}
			<Line colour={theme.text.dim}>{markers(weightChanges, exits, from, to, columns(w), 9, cursor)}</Line>
		</Panel>
	);
	return (
		<Box flexDirection="row" width={width}>
			{column(`p95 last ${span} (stable, canary, limit ${thresholdMs}ms)  ${cursor === undefined ? '+/- zoom' : `${MARKS.cursor} ${clock(cursor)}`}`, p95, mainWidth, 'p95')}
			{column(`5xx %  ${MARK_LEGEND}`, errors, sideWidth, '5xx')}
			{column('memory % of limit', memory, width - mainWidth - sideWidth, 'mem')}
		</Box>
	);
});
