import type {LogView} from '../core/monitor/log-view.ts';
import type {LogViewState} from '../state/view-state.ts';
import {tail, type LogModel} from './log-model.ts';
import {followText} from './incident-keys.ts';
import {pausedPosition} from './log-position.ts';
import {logViewRows, tailRows, type LogViewInput} from './log-rows.ts';

// Where the log rows sit on the screen and how to draw them again from the live store. The App
// records it on every render; a frame whose only news is log lines then replaces those rows
// in the last frame (drawLogFrame) instead of rendering the whole screen with React and Ink.

export interface LogRegion {
	/** Screen row of the first log row. */
	top: number;
	/** The rows now, from the live store with the settings of the last render; null: cannot. */
	rows(): string[] | null;
}

export type LogRegionRef = {current: LogRegion | null};

/** Lines received but not read, both engines. */
export const droppedLines = (store: LogView) => store.dropped('stable') + store.dropped('canary');

export const TAIL_TITLE = 'log tail (2: logs view)';

/** The overview's tail, `height` rows from the newest lines of the store. */
export function tailRowsOf(store: LogView, width: number, height: number, colour: boolean): string[] {
	return tailRows({events: tail(store, height), width, height, dropped: droppedLines(store), title: TAIL_TITLE, colour});
}

/** The logs view's title: its lines, filters, following or paused, and the filter's error. */
export function logsHeader(model: LogModel, logs: LogViewState, store: LogView): string {
	const filters = [
		logs.pattern ? 'pattern' : null,
		logs.regex ? `/${logs.regex}/${logs.invert ? ' inverted' : ''}` : null,
		logs.minLevel ? `>= ${logs.minLevel}` : null,
		logs.engines !== 'both' ? logs.engines : null,
	].filter(Boolean);
	return `logs ${model.events.length} lines${filters.length > 0 ? ` [${filters.join(' ')}]` : ''}${followText(model.events, logs, store)}${model.error ? `  ${model.error}` : ''}`;
}

/** What the logs view draws for a model, its state and a size. */
export function logsViewInput(model: LogModel, logs: LogViewState, store: LogView, width: number, height: number, colour: boolean): LogViewInput {
	return {
		events: model.events,
		width,
		height,
		offset: pausedPosition(model.events, logs).offset,
		timestamps: logs.timestamps,
		wrap: logs.wrap,
		expanded: logs.expanded,
		regex: model.regex,
		header: logsHeader(model, logs, store),
		dropped: droppedLines(store),
		colour,
	};
}

/** True while the terminal has the size a region was drawn for. */
type SizeCheck = () => boolean;

/** The overview's tail region (the rows under the patterns panel). */
export function tailRegion(top: number, store: LogView, width: number, height: number, colour: boolean, sized: SizeCheck): LogRegion {
	return {top, rows: () => (sized() ? tailRowsOf(store, width, height, colour) : null)};
}

/** The logs view's region (under the header), its model read again from the live store. */
export function logsRegion(top: number, model: (store: LogView, version: number, logs: LogViewState) => LogModel, logs: LogViewState, store: LogView, width: number, height: number, colour: boolean, sized: SizeCheck): LogRegion {
	return {top, rows: () => (sized() ? logViewRows(logsViewInput(model(store, store.version, logs), logs, store, width, height, colour)) : null)};
}

/** The last frame with the rows from `top` on replaced; null when they do not fit in it. */
export function replaceRows(frame: string, top: number, rows: readonly string[]): string | null {
	const lines = frame.split('\n');
	if (top < 0 || top + rows.length > lines.length) return null;
	for (const [index, row] of rows.entries()) lines[top + index] = row.trimEnd();
	return lines.join('\n');
}

/** The screen's frame writer as the log frame sees it. */
export interface FrameSink {
	readonly lastFrame: string | undefined;
	write(frame: string): unknown;
}

/** Draws the log rows of `region` into the last frame; false when it cannot (a full render must). */
export function drawLogFrame(region: LogRegion | null, writer: FrameSink): boolean {
	const frame = writer.lastFrame;
	if (!region || frame === undefined) return false;
	const rows = region.rows();
	if (!rows) return false;
	const next = replaceRows(frame, region.top, rows);
	if (next === null) return false;
	if (next !== frame) writer.write(next);
	return true;
}
