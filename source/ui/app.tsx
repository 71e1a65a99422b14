import React, {useMemo, useReducer, useRef, useSyncExternalStore} from 'react';
import {Box, Text, useInput} from 'ink';
import type {Monitor} from '../core/monitor.ts';
import type {Snapshot} from '../core/snapshot.ts';
import {lookup, type Command} from '../keymap.ts';
import {initialViewState, viewReducer, type ViewAction, type ViewState} from '../state/view-state.ts';
import {parseSplit} from '../domain/upstream.ts';
import {isErrorEvent, nextIndex} from '../domain/log-filter.ts';
import {Header, HEADER_HEIGHT, StatusLine} from './header.tsx';
import {CARD_HEIGHT, EngineCards} from './engine-cards.tsx';
import {ChartsPanel} from './charts-panel.tsx';
import {SplitPanel} from './split-panel.tsx';
import {VerdictDetail, VerdictPanel} from './verdict-panel.tsx';
import {PatternsPanel} from './patterns-panel.tsx';
import {LogTail, LogView} from './log-panel.tsx';
import {ActionDialog} from './dialog.tsx';
import {Help} from './help.tsx';
import {createLogModel, historyNote, tail} from './log-model.ts';
import type {StoredEvent} from '../core/log-store.ts';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface Size {
	columns: number;
	rows: number;
}

export interface AppProps {
	monitor: Monitor;
	size: {get(): Size; subscribe(listener: () => void): () => void};
	colour: boolean;
	onQuit: () => void;
	saveLogs: (events: StoredEvent[]) => Promise<string>;
}

function keyName(input: string, key: {ctrl: boolean; return: boolean; escape: boolean; tab: boolean; upArrow: boolean; downArrow: boolean; pageUp: boolean; pageDown: boolean; backspace: boolean; delete: boolean}): string {
	if (key.ctrl && input) return `ctrl+${input}`;
	if (key.return) return 'enter';
	if (key.escape) return 'escape';
	if (key.tab) return 'tab';
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.backspace || key.delete) return 'backspace';
	return input;
}

/** Layout of the overview for a terminal size: every height, so the frame fits exactly. */
export function overviewLayout(rows: number) {
	const fixed = HEADER_HEIGHT + CARD_HEIGHT + 1;
	const verdict = 11;
	const charts = rows >= 36 ? 8 : rows >= 31 ? 6 : 0;
	const patterns = rows >= 30 ? 5 : 0;
	const logs = Math.max(0, rows - fixed - verdict - charts - patterns);
	return {charts, verdict, patterns, logs};
}

export function App({monitor, size, colour, onQuit, saveLogs}: AppProps) {
	const snapshot: Snapshot = useSyncExternalStore(monitor.subscribe, monitor.getSnapshot);
	const {columns, rows} = useSyncExternalStore(size.subscribe, size.get);
	const [state, dispatchState] = useReducer(viewReducer, snapshot.historyMinutes, initialViewState);
	const logModel = useMemo(() => createLogModel(), []);
	const needsLogs = state.view === 'logs';
	const second = Math.floor(snapshot.at / 1000) * 1000;
	const tailRows = overviewLayout(rows).logs;
	const tailEvents = useMemo(() => tail(snapshot.logs, tailRows), [snapshot.logs, snapshot.logVersion, tailRows]);
	const model = needsLogs ? logModel(snapshot.logs, snapshot.logVersion, state.logs) : null;
	// Keys can arrive faster than React re-renders (a paste into the split prompt): the input
	// handler reads and advances this ref, so every key sees the state its predecessor left.
	const stateRef = useRef<ViewState>(state);
	const dispatch = (action: ViewAction) => {
		stateRef.current = viewReducer(stateRef.current, action);
		dispatchState(action);
	};

	const run = (command: Command) => {
		const state = stateRef.current;
		const send = (action: ViewAction) => dispatch(action);
		const listLength = state.view === 'logs' ? (model?.events.length ?? 0) : state.view === 'errors' ? snapshot.patterns.length : (snapshot.verdict?.checks.length ?? 0);
		const page = Math.max(1, rows - 6);
		switch (command) {
			case 'quit':
				onQuit();
				return;
			case 'help':
				return send({type: 'help'});
			case 'cancel':
				return send({type: 'escape'});
			case 'view-overview':
				return send({type: 'view', view: 'overview'});
			case 'view-logs':
				return send({type: 'view', view: 'logs'});
			case 'view-errors':
				return send({type: 'view', view: 'errors'});
			case 'view-verdict':
				return send({type: 'view', view: 'verdict'});
			case 'next-view':
				return send({type: 'next-view'});
			case 'promote':
				void monitor.actions.request('promote');
				return;
			case 'rollback':
				void monitor.actions.request('rollback');
				return;
			case 'undo':
				void monitor.actions.request('undo');
				return;
			case 'set-split':
				return send({type: 'prompt', kind: 'split'});
			case 'resample':
				void monitor.resample();
				return;
			case 'restart-proxy':
				monitor.actions.requestRestart();
				return;
			case 'zoom-in':
				return send({type: 'zoom', direction: 1});
			case 'zoom-out':
				return send({type: 'zoom', direction: -1});
			case 'down':
				return send({type: 'scroll', by: 1, listLength});
			case 'up':
				return send({type: 'scroll', by: -1, listLength});
			case 'page-down':
				return send({type: 'scroll', by: page, listLength});
			case 'page-up':
				return send({type: 'scroll', by: -page, listLength});
			case 'top':
				return send({type: 'top', listLength});
			case 'bottom':
				return send({type: 'bottom'});
			case 'follow':
				return send({type: 'follow'});
			case 'search':
				return send({type: 'prompt', kind: 'search'});
			case 'invert-filter':
				return send({type: 'invert'});
			case 'level-filter':
				return send({type: 'level'});
			case 'engine-filter':
				return send({type: 'engines'});
			case 'wrap':
				return send({type: 'wrap'});
			case 'timestamps':
				return send({type: 'timestamps'});
			case 'expand':
				return send({type: 'expand'});
			case 'search-next':
			case 'search-prev':
			case 'next-error':
			case 'prev-error': {
				const events = model?.events ?? [];
				const current = events.length - 1 - state.logs.offset;
				// Older lines are higher up: "next" moves towards the newest line.
				const direction = command === 'search-next' || command === 'next-error' ? 1 : -1;
				const regex = model?.regex ?? null;
				const predicate = command.endsWith('error') ? isErrorEvent : (event: StoredEvent) => (regex ? regex.test(event.message) : false);
				const found = nextIndex(events, current, predicate, direction);
				if (found < 0) return send({type: 'message', text: command.endsWith('error') ? 'no further error' : 'no further match'});
				return send({type: 'jump', offset: events.length - 1 - found});
			}
			case 'save': {
				const events = model?.events ?? [];
				saveLogs(events).then(
					(path) => dispatch({type: 'message', text: `saved ${events.length} lines to ${path}`}),
					(error: Error) => dispatch({type: 'message', text: `could not save: ${error.message}`}),
				);
				return;
			}
			case 'open': {
				const row = snapshot.patterns[state.selection.errors];
				if (row) send({type: 'open-pattern', pattern: row.id, template: row.template});
				return;
			}
			case 'confirm':
				return;
		}
	};

	useInput((input, key) => {
		const name = keyName(input, key);
		const current = stateRef.current;
		if (name === 'ctrl+c') return onQuit();
		if (current.prompt) {
			if (name === 'escape') return dispatch({type: 'prompt-close'});
			if (name === 'backspace') return dispatch({type: 'prompt-input', text: current.prompt.text.slice(0, -1)});
			if (name === 'enter') {
				if (current.prompt.kind === 'search') return dispatch({type: 'search-set', regex: current.prompt.text || null});
				const split = parseSplit(current.prompt.text.trim());
				dispatch({type: 'prompt-close'});
				if ('error' in split) return dispatch({type: 'message', text: split.error});
				void monitor.actions.request('set', split);
				return;
			}
			if (input && !key.ctrl && !key.meta) dispatch({type: 'prompt-input', text: (current.prompt.text + input).slice(0, 200)});
			return;
		}
		const action = monitor.actions.state;
		if (action.phase === 'confirm' || action.phase === 'confirm-restart') {
			if (name === 'y' || name === 'enter') {
				if (action.phase === 'confirm') void monitor.actions.confirm();
				else void monitor.actions.confirmRestart();
			} else if (name === 'n' || name === 'escape') {
				monitor.actions.cancel();
			} else if (name === 'q') {
				onQuit();
			}
			return;
		}
		if (action.phase === 'done') {
			if (name === 'R' && action.restartOffered) return monitor.actions.requestRestart();
			if (name === 'escape' || name === 'enter') return monitor.actions.cancel();
		}
		const binding = lookup(name, current.view);
		if (binding) run(binding.command);
	});

	if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
		return (
			<Box flexDirection="column" width={columns}>
				<Text wrap="truncate-end">{`Terminal ${columns}x${rows}:`}</Text>
				<Text wrap="truncate-end">{`needs ${MIN_COLUMNS}x${MIN_ROWS}.`}</Text>
				<Text wrap="truncate-end">Enlarge it, or q.</Text>
			</Box>
		);
	}

	const width = columns;
	const bodyHeight = rows - HEADER_HEIGHT - 1;
	let body: React.ReactNode;
	if (state.help) {
		body = <Help width={width} height={bodyHeight} />;
	} else if (snapshot.action.phase !== 'idle') {
		body = (
			<Box flexDirection="column">
				<EngineCards engines={snapshot.engines} width={width} now={second} />
				<ActionDialog action={snapshot.action} width={width} height={bodyHeight - CARD_HEIGHT} />
			</Box>
		);
	} else if (state.view === 'logs' && model) {
		const filters = [
			state.logs.pattern ? 'pattern' : null,
			state.logs.regex ? `/${state.logs.regex}/${state.logs.invert ? ' inverted' : ''}` : null,
			state.logs.minLevel ? `>= ${state.logs.minLevel}` : null,
			state.logs.engines !== 'both' ? state.logs.engines : null,
		].filter(Boolean);
		const header = `logs ${model.events.length} lines${filters.length > 0 ? ` [${filters.join(' ')}]` : ''}${state.logs.follow ? ' following' : ' paused'}${historyNote(snapshot.logs)}${model.error ? `  ${model.error}` : ''}`;
		body = (
			<LogView
				events={model.events}
				width={width}
				height={bodyHeight}
				offset={state.logs.follow ? 0 : state.logs.offset}
				timestamps={state.logs.timestamps}
				wrap={state.logs.wrap}
				expanded={state.logs.expanded}
				regex={model.regex}
				header={header}
				dropped={snapshot.engines.stable.logs.dropped + snapshot.engines.canary.logs.dropped}
			/>
		);
	} else if (state.view === 'errors') {
		body = <PatternsPanel rows={snapshot.patterns} width={width} height={bodyHeight} selected={state.selection.errors} detail />;
	} else if (state.view === 'verdict') {
		body = <VerdictDetail verdict={snapshot.verdict} width={width} height={bodyHeight} selected={state.selection.verdict} />;
	} else {
		const layout = overviewLayout(rows);
		const splitWidth = Math.min(36, Math.floor(width * 0.3));
		const dropped = snapshot.engines.stable.logs.dropped + snapshot.engines.canary.logs.dropped;
		body = (
			<Box flexDirection="column">
				<EngineCards engines={snapshot.engines} width={width} now={second} />
				{layout.charts > 0 ? (
					<ChartsPanel
						engines={snapshot.engines}
						weightChanges={snapshot.weightChanges}
						startedAt={snapshot.startedAt}
						width={width}
						height={layout.charts}
						zoomMin={state.zoomMin}
						colour={colour}
						thresholdMs={monitor.config.thresholds.p95FailMs}
					/>
				) : null}
				<Box flexDirection="row">
					<SplitPanel split={snapshot.split} width={splitWidth} height={layout.verdict} />
					<VerdictPanel verdict={snapshot.verdict} width={width - splitWidth} height={layout.verdict} />
				</Box>
				{layout.patterns > 0 ? <PatternsPanel rows={snapshot.patterns} width={width} height={layout.patterns} /> : null}
				{layout.logs > 0 ? <LogTail events={tailEvents} width={width} height={layout.logs} dropped={dropped} title="log tail (2: logs view)" /> : null}
			</Box>
		);
	}
	return (
		<Box flexDirection="column" width={columns} height={rows}>
			<Header snapshot={snapshot} width={width} />
			<Box flexDirection="column" height={bodyHeight}>
				{body}
			</Box>
			<StatusLine snapshot={snapshot} width={width} message={state.message} prompt={state.prompt} />
		</Box>
	);
}
