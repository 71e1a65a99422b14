import React from 'react';
import {Box, Text} from 'ink';
import {formatKeys, KEYMAP, type KeyBinding} from '../keymap.ts';
import {fit, wrapWords} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// The help overlay, generated from keymap.ts. It uses the room there is: one column when
// everything fits, else two; a description that does not fit its column wraps under itself
// while the lines fit the screen, and only then is cut with '…'.

export type HelpRow = {kind: 'group'; text: string} | {kind: 'key'; keys: string; text: string; views: string} | {kind: 'more'; text: string; views: string};

/** The views a key acts in, unless its description already names the one view ("logs: ..."). */
function viewsText(binding: KeyBinding): string {
	if (!binding.views) return '';
	const [only] = binding.views;
	if (binding.views.length === 1 && binding.description.startsWith(`${only}:`)) return '';
	// Keys that act in every list view say so in one word: the list of four would wrap the column.
	if (binding.views.length >= 4) return '(lists)';
	return `(${binding.views.join(', ')})`;
}

interface Column {
	rows: HelpRow[];
	/** Width of the key column (keys padded to it). */
	keyWidth: number;
}

const INDENT = 2;
const GAP = 2;

/** One column's rows: with or without group titles, descriptions wrapped or cut to `width`. */
function layoutColumn(bindings: KeyBinding[], width: number, options: {groups: boolean; wrap: boolean}): Column {
	const keyWidth = Math.max(0, ...bindings.map((binding) => formatKeys(binding).length));
	const room = Math.max(1, width - INDENT - keyWidth - GAP);
	const rows: HelpRow[] = [];
	let group = '';
	for (const binding of bindings) {
		if (options.groups && binding.group !== group) rows.push({kind: 'group', text: binding.group});
		group = binding.group;
		const views = viewsText(binding);
		const full = views ? `${binding.description}  ${views}` : binding.description;
		const keys = formatKeys(binding);
		if (full.length <= room || !options.wrap) {
			const text = full.length <= room ? binding.description : fit(full, room).trimEnd();
			rows.push({kind: 'key', keys, text, views: full.length <= room ? views : ''});
			continue;
		}
		const parts = wrapWords(full, room);
		const last = parts.length - 1;
		// The views go dim when they end the last line whole.
		const viewsOnLast = views && parts[last]!.endsWith(views) ? views : '';
		const strip = (part: string, index: number) => (index === last && viewsOnLast ? part.slice(0, part.length - views.length).trimEnd() : part);
		rows.push({kind: 'key', keys, text: strip(parts[0]!, 0), views: last === 0 ? viewsOnLast : ''});
		for (let index = 1; index <= last; index++) rows.push({kind: 'more', text: strip(parts[index]!, index), views: index === last ? viewsOnLast : ''});
	}
	return {rows, keyWidth};
}

/** Splits the keymap into one or two columns that fit `height` lines, the best way that does. */
export function helpLayout(width: number, height: number): Column[] {
	const attempts: {groups: boolean; wrap: boolean}[] = [
		{groups: true, wrap: true},
		{groups: true, wrap: false},
		{groups: false, wrap: false},
	];
	for (const options of attempts) {
		const single = layoutColumn(KEYMAP, width - 1, options);
		if (single.rows.length <= height) return [single];
		if (width < 2 * 30) continue;
		const half = Math.floor(width / 2);
		// Try every split (group boundaries first) and keep the one with the shorter taller column.
		let best: Column[] | null = null;
		let bestScore = Infinity;
		for (let at = 1; at < KEYMAP.length; at++) {
			const boundary = KEYMAP[at]!.group !== KEYMAP[at - 1]!.group;
			if (options.groups && !boundary) continue;
			const left = layoutColumn(KEYMAP.slice(0, at), half - 1, options);
			const right = layoutColumn(KEYMAP.slice(at), width - half - 1, options);
			const tallest = Math.max(left.rows.length, right.rows.length);
			if (tallest < bestScore) (best = [left, right]), (bestScore = tallest);
		}
		if (best && bestScore <= height) return best;
	}
	// Nothing fits: two cut columns without titles, the pairs of opposite keys on one row each.
	const half = Math.floor(width / 2);
	const compact = pairedKeys(KEYMAP);
	const at = Math.ceil(compact.length / 2);
	const options = {groups: false, wrap: false};
	return width >= 60 ? [layoutColumn(compact.slice(0, at), half - 1, options), layoutColumn(compact.slice(at), width - half - 1, options)] : [layoutColumn(compact, width - 1, options)];
}

/** Description room below which the compact layout is unreadable and the help pages instead. */
const MIN_TEXT = 16;

/**
 * The help as pages of columns. One page when a layout fits with room to read; else the keys
 * with their group titles in one column of the whole width, `height` rows a page.
 */
export function helpPages(width: number, height: number): Column[][] {
	const fitted = helpLayout(width, height);
	const room = (column: Column, columnWidth: number) => columnWidth - INDENT - column.keyWidth - GAP;
	const columnWidth = fitted.length === 1 ? width - 1 : Math.floor(width / 2) - 1;
	if (fitted.every((column) => column.rows.length <= height && room(column, columnWidth) >= MIN_TEXT)) return [fitted];
	// One column of the whole width: the descriptions read whole, the pages take what they take.
	const all = layoutColumn(KEYMAP, width - 1, {groups: true, wrap: false});
	const rows = Math.max(1, height);
	const pages: Column[][] = [];
	for (let at = 0; at < all.rows.length; at += rows) pages.push([{rows: all.rows.slice(at, at + rows), keyWidth: all.keyWidth}]);
	return pages;
}

/** Opposite keys shown on one row when room is short: [first command, second command, the row's description]. */
const PAIRS: readonly [string, string, string][] = [
	['zoom-in', 'zoom-out', 'charts: shorter / longer time span'],
	['down', 'up', 'move down / up'],
	['page-down', 'page-up', 'page down / up'],
	['top', 'bottom', 'top (oldest) / bottom and follow'],
	['search-next', 'search-prev', 'logs: next / previous match'],
	['next-error', 'prev-error', 'logs: next / previous error'],
	['history-back', 'history-forward', 'step back / forward 30 s in the last hour'],
	['history-back-far', 'history-forward-far', 'step back / forward 5 minutes'],
];

function pairedKeys(bindings: readonly KeyBinding[]): KeyBinding[] {
	const out: KeyBinding[] = [];
	for (const binding of bindings) {
		const pair = PAIRS.find(([, second]) => second === binding.command);
		if (pair) continue;
		const first = PAIRS.find(([head]) => head === binding.command);
		const second = first && bindings.find((other) => other.command === first[1]);
		out.push(first && second ? {...binding, keys: [...binding.keys, ...second.keys], description: first[2]} : binding);
	}
	return out;
}

function renderRow(row: HelpRow, keyWidth: number, index: number): React.ReactNode {
	if (row.kind === 'group') {
		return (
			<Line key={index} bold>
				{row.text}
			</Line>
		);
	}
	return (
		<Line key={index}>
			<Text color={theme.text.key}>{`${' '.repeat(INDENT)}${(row.kind === 'key' ? row.keys : '').padEnd(keyWidth + GAP)}`}</Text>
			{row.text}
			{row.views ? <Text color={theme.text.dim}>{`  ${row.views}`}</Text> : null}
		</Line>
	);
}

/** Keys that turn the help's pages while it is open: +1 next, -1 previous. */
export const HELP_PAGE_KEYS: Readonly<Record<string, 1 | -1>> = {' ': 1, pagedown: 1, down: 1, j: 1, pageup: -1, up: -1, k: -1};

// Memoized: the layout is recomputed only when the terminal's size changes, not every frame.
// When even the compact layout is taller than the screen, the help pages: every key stays reachable.
export const Help = React.memo(function Help({width, height, page = 0}: {width: number; height: number; page?: number}) {
	const body = height - 1;
	const pages = helpPages(width, body);
	const shown = Math.min(page, pages.length - 1);
	const columns = pages[shown]!;
	const half = Math.floor(width / 2);
	const title = pages.length > 1 ? `keys (? or esc to close)  page ${shown + 1}/${pages.length}, space: next, k: back` : 'keys (? or esc to close)';
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Title width={width - 1}>{title}</Title>
			<Box flexDirection="row">
				{columns.map((column, index) => (
					<Panel key={index} width={columns.length === 1 ? width : index === 0 ? half : width - half} height={body}>
						{column.rows.map((row, rowIndex) => renderRow(row, column.keyWidth, rowIndex))}
					</Panel>
				))}
			</Box>
		</Box>
	);
});
