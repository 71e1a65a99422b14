import React from 'react';
import type {TimelineEvent} from '../core/monitor/timeline.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';
import {clock, fit} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// The deployment's timeline: one line per event, oldest at the top, the selected one marked;
// enter opens the logs at its moment. Every text comes from files and engines: sanitized.

const KIND: Record<TimelineEvent['kind'], string> = {
	operator: 'action',
	automatic: 'auto',
	verdict: 'verdict',
	health: 'health',
	lifecycle: 'runtime',
	outside: 'outside',
	detached: 'service',
	pattern: 'errors',
	note: 'note',
};

function colour(event: TimelineEvent): string | undefined {
	if (event.outcome === 'verified' || event.kind === 'note') return event.kind === 'note' ? theme.text.accent : theme.state.pass;
	if (event.outcome && event.outcome !== 'noted') return theme.state.fail;
	if (event.kind === 'automatic' || event.kind === 'outside' || event.kind === 'detached') return theme.state.warn;
	if (event.kind === 'lifecycle' && !/started$/.test(event.text)) return theme.state.fail;
	if (/-> (FAIL|ROLL BACK|unhealthy)/.test(event.text)) return theme.state.fail;
	if (/-> (WARN|HOLD|degraded)/.test(event.text) || event.kind === 'pattern') return theme.state.warn;
	return undefined;
}

/** "14:03:11" today, "12-05 14:03:11" before. */
function when(at: number, now: number): string {
	const date = new Date(at);
	if (new Date(now).toDateString() === date.toDateString()) return clock(at);
	return `${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')} ${clock(at)}`;
}

export const TimelinePanel = React.memo(function TimelinePanel(props: {events: readonly TimelineEvent[]; width: number; height: number; selected: number; now: number; problem: string | null}) {
	const {events, width, height, now} = props;
	const selected = props.selected < 0 ? events.length - 1 : Math.min(props.selected, events.length - 1);
	const rows = Math.max(1, height - 2);
	// The window of events around the selection; the newest at the bottom.
	const end = Math.min(events.length, Math.max(selected + 1, rows));
	const start = Math.max(0, end - rows);
	const shown = events.slice(start, end);
	const timeWidth = Math.max(8, ...shown.map((event) => when(event.at, now).length)) + 1;
	const sourceWidth = Math.min(24, Math.max(6, ...shown.map((event) => sanitizeForTerminal(event.source).length))) + 1;
	const outcomeWidth = Math.max(7, ...shown.map((event) => (event.outcome ?? '').length)) + 1;
	const lines: React.ReactNode[] = [
		<Title key="title" width={width}>{`timeline ${events.length} events${props.problem ? `  ${props.problem}` : ''}  enter: logs at that moment  a: add a note`}</Title>,
		<Line key="head" dim>
			{fit(`${fit('time', timeWidth)}${fit('what', 8)}${fit('who', sourceWidth)}${fit('outcome', outcomeWidth)}event`, width)}
		</Line>,
	];
	if (events.length === 0) lines.push(<Line key="empty" dim>{fit('nothing yet: actions, verdict changes, restarts and notes appear here', width)}</Line>);
	shown.forEach((event, index) => {
		const text = `${fit(when(event.at, now), timeWidth)}${fit(KIND[event.kind], 8)}${fit(sanitizeForTerminal(event.source), sourceWidth)}${fit(event.outcome ?? '', outcomeWidth)}${sanitizeForTerminal(event.text)}`;
		lines.push(
			<Line key={`${event.at}-${start + index}`} colour={colour(event)} inverse={start + index === selected}>
				{fit(text, width)}
			</Line>,
		);
	});
	return (
		<Panel width={width} height={height}>
			{lines}
		</Panel>
	);
});
