import React from 'react';
import {Text} from 'ink';
import type {StoredEvent} from '../core/monitor/log-store.ts';
import {Panel} from './line.tsx';
import {logViewRows, tailRows, type LogViewInput} from './log-rows.ts';

// Log lines of both engines with an engine tag and level colours. The rows are finished
// strings (log-rows.ts): a frame that only brings log lines draws the same ones without React.

export {eventText} from './log-rows.ts';

/** Finished rows, one Text each: Ink writes such a row at the panel's left edge unchanged. */
export function LogRows({rows, width}: {rows: string[]; width: number}) {
	return (
		<Panel width={width} height={rows.length}>
			{rows.map((row, index) => (
				<Text key={`row-${index}`} wrap="truncate-end">
					{row === '' ? ' ' : row}
				</Text>
			))}
		</Panel>
	);
}

/** The newest lines, bottom-aligned (the overview's tail). */
export const LogTail = React.memo(function LogTail({events, width, height, dropped, title, colour = true}: {events: StoredEvent[]; width: number; height: number; dropped: number; title: string; colour?: boolean}) {
	return <LogRows rows={tailRows({events, width, height, dropped, title, colour})} width={width} />;
});

/** The scrollable log view: `offset` lines up from the newest; wrap and expand on request. */
export function LogView(props: LogViewInput) {
	return <LogRows rows={logViewRows(props)} width={props.width} />;
}
