import React from 'react';
import {Text} from 'ink';
import type {StoredEvent} from '../core/monitor/log-store.ts';
import {formatEvent} from '../domain/log-parse.ts';
import {matchRanges} from '../domain/log-filter.ts';
import {sanitizeForTerminal, truncateToWidth, wrapToWidth} from '../domain/sanitize.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// Log lines of both engines with an engine tag and level colours. Text from containers is
// sanitized again right before drawing, whatever path it came by.

export function eventText(event: StoredEvent, timestamps: boolean): string {
	return sanitizeForTerminal(event.gap ? `── ${event.gap} ──` : formatEvent(event, {timestamps}));
}

function Highlighted({text, regex}: {text: string; regex: RegExp | null}) {
	const ranges = matchRanges(text, regex);
	if (ranges.length === 0) return <>{text}</>;
	const parts: React.ReactNode[] = [];
	let at = 0;
	for (const [start, end] of ranges) {
		if (start > at) parts.push(text.slice(at, start));
		parts.push(
			<Text key={start} inverse color={theme.text.key}>
				{text.slice(start, end)}
			</Text>,
		);
		at = end;
	}
	parts.push(text.slice(at));
	return <>{parts}</>;
}

// Memoized: a row whose event and settings did not change is not rendered again, so Ink keeps
// its nodes as they were (no re-measure, no re-layout) when new lines arrive around it.
const EventLine = React.memo(function EventLine({event, width, timestamps, regex, selected}: {event: StoredEvent; width: number; timestamps: boolean; regex: RegExp | null; selected?: boolean}) {
	const tag = event.engine === 'stable' ? 'S' : 'C';
	const text = truncateToWidth(eventText(event, timestamps), Math.max(1, width - 3));
	const colour = event.gap ? theme.state.warn : (theme.level[event.level ?? 'INFO'] as string | undefined);
	return (
		<Text wrap="truncate-end" inverse={selected}>
			<Text color={theme.engine[event.engine]} bold>
				{tag}
			</Text>
			{event.stream === 'stderr' && !event.gap ? <Text color={theme.text.dim}>!</Text> : ' '}
			<Text color={colour}>
				<Highlighted text={text} regex={regex} />
			</Text>
		</Text>
	);
});

const droppedText = (dropped: number) => `${dropped.toLocaleString('en-US')} lines dropped: received but could not be read`;

/** The newest lines, bottom-aligned (the overview's tail). */
export const LogTail = React.memo(function LogTail({events, width, height, dropped, title}: {events: StoredEvent[]; width: number; height: number; dropped: number; title: string}) {
	const visible = events.slice(-(height - 1 - (dropped > 0 ? 1 : 0)));
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{title}</Title>
			{dropped > 0 ? <Line colour={theme.state.fail}>{droppedText(dropped)}</Line> : null}
			{visible.map((event) => (
				<EventLine key={event.seq} event={event} width={width} timestamps regex={null} />
			))}
		</Panel>
	);
});

/** The scrollable log view: `offset` lines up from the newest; wrap and expand on request. */
export function LogView(props: {
	events: StoredEvent[];
	width: number;
	height: number;
	offset: number;
	timestamps: boolean;
	wrap: boolean;
	expanded: boolean;
	regex: RegExp | null;
	header: string;
	/** Lines received but not read: an error line under the title. */
	dropped?: number;
}) {
	const {events, width, height, offset, timestamps, wrap, expanded, regex} = props;
	const dropped = props.dropped ?? 0;
	const body = height - 1 - (dropped > 0 ? 1 : 0);
	const end = Math.max(0, events.length - offset);
	const selected = events[end - 1];
	const lines: React.ReactNode[] = [];
	const rawLines = expanded && selected ? wrapToWidth(sanitizeForTerminal(selected.raw), width - 2).slice(0, Math.floor(body / 2)) : [];
	const room = body - rawLines.length - (rawLines.length > 0 ? 1 : 0);
	for (let index = end - 1; index >= 0 && lines.length < room; index--) {
		const event = events[index]!;
		if (wrap && !event.gap) {
			const parts = wrapToWidth(eventText(event, timestamps), width - 3).reverse();
			for (const [partIndex, part] of parts.entries()) {
				if (lines.length >= room) break;
				lines.push(
					<Text key={`${event.seq}-${partIndex}`} wrap="truncate-end" inverse={index === end - 1}>
						<Text color={theme.engine[event.engine]}>{partIndex === parts.length - 1 ? (event.engine === 'stable' ? 'S ' : 'C ') : '  '}</Text>
						<Text color={theme.level[event.level ?? 'INFO'] as string | undefined}>
							<Highlighted text={part} regex={regex} />
						</Text>
					</Text>,
				);
			}
		} else {
			lines.push(<EventLine key={event.seq} event={event} width={width} timestamps={timestamps} regex={regex} selected={index === end - 1 && offset > 0} />);
		}
	}
	lines.reverse();
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{props.header}</Title>
			{dropped > 0 ? <Line colour={theme.state.fail}>{droppedText(dropped)}</Line> : null}
			{lines}
			{rawLines.length > 0 ? <Title width={width - 1}>raw line of the selected event</Title> : null}
			{rawLines.map((line, index) => (
				<Line key={`raw-${index}`} dim>
					{line}
				</Line>
			))}
		</Panel>
	);
}
