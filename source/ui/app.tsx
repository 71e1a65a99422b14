import type React from 'react';
import {useMemo, useRef, useState, useSyncExternalStore} from 'react';
import {Box, Text} from 'ink';
import type {ScreenMonitor} from '../core/monitor/screen-port.ts';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import {lookup, type Command} from '../keymap.ts';
import {initialViewState, viewReducer, type ViewAction, type ViewState} from '../state/view-state.ts';
import {parseSplit} from '../domain/upstream.ts';
import {isErrorEvent, nextIndex} from '../domain/log-filter.ts';
import {Header, HEADER_HEIGHT, StatusLine} from './header.tsx';
import {CARD_HEIGHT, EngineCards} from './engine-cards.tsx';
import {VerdictDetail} from './verdict-panel.tsx';
import {PatternsPanel} from './patterns-panel.tsx';
import {LogView} from './log-panel.tsx';
import {ActionDialog} from './dialog.tsx';
import {Help, HELP_PAGE_KEYS} from './help.tsx';
import {createLogModel} from './log-model.ts';
import {isTextKey} from './key-splitter.ts';
import {useKeys} from './use-keys.ts';
import type {StoredEvent} from '../core/monitor/log-store.ts';
import type {EmergencyFlowState} from '../core/guide/emergency-flow.ts';
import type {GuideParts} from '../core/guide/guide-parts.ts';
import {TroubleshootView} from './troubleshoot-view.tsx';
import {EmergencyDialog} from './emergency-dialog.tsx';
import {emergencyKey} from './emergency-keys.ts';
import {Overview, overviewLayout} from './overview.tsx';
import {TimelinePanel} from './timeline-panel.tsx';
import {logsRegion, logsViewInput, tailRegion, tailRowsOf, type LogRegion, type LogRegionRef} from './log-region.ts';
import {addNote, exitTimes, markPause, openEventLogs, rebasePaused, writeBundle} from './incident-keys.ts';
import {pastView, runHistory} from './history-keys.ts';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface Size {
	columns: number;
	rows: number;
}

export interface AppProps {
	monitor: ScreenMonitor;
	size: {get(): Size; subscribe(listener: () => void): () => void};
	colour: boolean;
	onQuit: () => void;
	saveLogs: (events: StoredEvent[]) => Promise<string>;
	/** Emergency actions, Redis, probes (absent in tests that do not need them). */
	guide?: GuideParts;
	saveBundle?: (snapshot: Snapshot) => Promise<string>;
	/** Set on every render: where the log rows are, for frames that only bring log lines. */
	logRegion?: LogRegionRef;
}

const IDLE_STATE: EmergencyFlowState = {phase: 'idle'};
const IDLE = {subscribe: () => () => {}, getState: () => IDLE_STATE};

export function App({monitor, size, colour, onQuit, saveLogs, saveBundle, guide, logRegion}: AppProps) {
	const emergency = guide?.flow;
	const snapshot: Snapshot = useSyncExternalStore(monitor.subscribe, monitor.getSnapshot);
	const flow = useSyncExternalStore((emergency ?? IDLE).subscribe, (emergency ?? IDLE).getState);
	const {columns, rows} = useSyncExternalStore(size.subscribe, size.get);
	const [state, setState] = useState(() => initialViewState(Math.min(15, snapshot.historyMinutes)));
	const logModel = useMemo(() => createLogModel(), []);
	const needsLogs = state.view === 'logs';
	const second = Math.floor(snapshot.at / 1000) * 1000;
	const layout = overviewLayout(rows);
	// The store's own version: a render between snapshots (a key) shows what log frames drew.
	const logVersion = snapshot.logs.version;
	const tail = useMemo(() => tailRowsOf(snapshot.logs, columns, layout.logs, colour), [snapshot.logs, logVersion, columns, layout.logs, colour]);
	const model = needsLogs ? logModel(snapshot.logs, logVersion, state.logs) : null;
	const exits = useMemo(() => exitTimes(snapshot.timeline), [snapshot.timeline]);
	// Keys of one read go through the reducer one at a time, each seeing the state its
	// predecessor left (React has not re-rendered in between); React gets the result once per
	// read, so a paste of any length is one render.
	const stateRef = useRef<ViewState>(state);
	const dispatch = (action: ViewAction) => {
		stateRef.current = viewReducer(stateRef.current, action);
	};
	const commit = () => setState(stateRef.current);

	const run = (command: Command) => {
		const send = (action: ViewAction) => dispatch(action);
		if (stateRef.current.view === 'logs' && model) rebasePaused(stateRef.current.logs, model.events, send);
		const state = stateRef.current;
		if (runHistory(command, state, snapshot.at, monitor.history, () => logModel(snapshot.logs, snapshot.logVersion, state.logs).events, send)) return;
		const listLength = {logs: model?.events.length ?? 0, errors: snapshot.patterns.length, timeline: snapshot.timeline.length, verdict: snapshot.verdict?.checks.length ?? 0, overview: 0, troubleshoot: 0}[state.view];
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
			case 'view-troubleshoot':
				// Read when the view opens and when 6 is pressed again: nothing runs for a view nobody looks at.
				void guide?.troubleshoot.refresh();
				return send({type: 'view', view: 'troubleshoot'});
			case 'probe':
				if (guide) void guide.probes.run(true);
				return;
			case 'view-timeline':
				return send({type: 'view', view: 'timeline'});
			case 'note':
				return send({type: 'prompt', kind: 'note'});
			case 'bundle':
				return writeBundle(saveBundle, snapshot, dispatch, commit);
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
			case 'emergency':
				if (emergency) emergency.open();
				else send({type: 'message', text: 'no emergency actions here'});
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
					(path) => (dispatch({type: 'message', text: `saved ${events.length} lines to ${path}`}), commit()),
					(error: Error) => (dispatch({type: 'message', text: `could not save: ${error.message}`}), commit()),
				);
				return;
			}
			case 'open': {
				if (state.view === 'timeline') return openEventLogs(snapshot, state, logModel(snapshot.logs, snapshot.logVersion, state.logs).events, send);
				const row = snapshot.patterns[state.selection.errors];
				if (row) send({type: 'open-pattern', pattern: row.id, template: row.template});
				return;
			}
			case 'confirm':
				return;
		}
	};

	/** One key, in the state its predecessor left; 'stop' ends the read it came in. */
	const handleKey = (name: string): 'next' | 'stop' => {
		const current = stateRef.current;
		if (name === 'ctrl+c') {
			onQuit();
			return 'stop';
		}
		if (current.prompt) {
			if (name === 'escape') dispatch({type: 'prompt-close'});
			else if (name === 'backspace') dispatch({type: 'prompt-input', text: [...current.prompt.text].slice(0, -1).join('')});
			else if (name === 'enter') {
				if (current.prompt.kind === 'search') {
					dispatch({type: 'search-set', regex: current.prompt.text || null});
				} else if (current.prompt.kind === 'note') {
					addNote(monitor, current.prompt.text, dispatch, commit);
				} else {
					const split = parseSplit(current.prompt.text.trim());
					dispatch({type: 'prompt-close'});
					if ('error' in split) dispatch({type: 'message', text: split.error});
					else void monitor.actions.request('set', split);
				}
				// A paste applies its first line; the lines after it are not typed as commands.
				return 'stop';
			} else if (isTextKey(name) && current.prompt.text.length < 200) dispatch({type: 'prompt-input', text: current.prompt.text + name});
			return 'next';
		}
		if (emergency && emergency.state.phase !== 'idle') {
			const said = emergencyKey(emergency, name, onQuit);
			if (said) dispatch({type: 'message', text: said});
			return 'next';
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
			return 'next';
		}
		if (action.phase === 'done') {
			if (name === 'R' && action.restartOffered) {
				monitor.actions.requestRestart();
				return 'next';
			}
			if (name === 'escape' || name === 'enter') {
				monitor.actions.cancel();
				return 'next';
			}
		}
		if (current.help && HELP_PAGE_KEYS[name]) return dispatch({type: 'help-page', by: HELP_PAGE_KEYS[name]}), 'next';
		const binding = lookup(name, current.view);
		if (binding) run(binding.command);
		return 'next';
	};

	useKeys((keys) => {
		const confirming = () => ['confirm', 'confirm-restart'].includes(monitor.actions.state.phase) || emergency?.state.phase === 'confirm';
		const wasConfirming = confirming();
		for (const [index, key] of keys.entries()) {
			const outcome = handleKey(key);
			const rest = keys.slice(index + 1);
			if (rest.length === 0) break;
			// A dialog that opened inside this read is confirmed only by a later one: what was
			// typed or pasted ahead was not written with the diff in view.
			if (outcome === 'stop' || (!wasConfirming && confirming())) {
				if (rest.some((key) => key !== 'enter')) dispatch({type: 'message', text: `ignored ${rest.length} keys typed or pasted after ${outcome === 'stop' ? 'the first line' : 'the dialog opened'}`});
				break;
			}
		}
		const logs = stateRef.current.logs;
		markPause(logs, () => logModel(snapshot.logs, snapshot.logVersion, logs).events, snapshot.logs, dispatch);
		if (stateRef.current !== state) commit();
	});

	if (logRegion) logRegion.current = null;
	if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
		return (
			<Box flexDirection="column" width={columns}>
				<Text wrap="truncate-end">{`Terminal ${columns}x${rows}:`}</Text>
				<Text wrap="truncate-end">{`needs ${MIN_COLUMNS}x${MIN_ROWS}.`}</Text>
				<Text wrap="truncate-end">Enlarge it, or q.</Text>
			</Box>
		);
	}

	const {shown, past} = pastView(state.at, snapshot, monitor.history);
	const width = columns;
	const bodyHeight = rows - HEADER_HEIGHT - 1;
	let body: React.ReactNode;
	let region: LogRegion | null = null;
	const sized = () => size.get().columns === columns && size.get().rows === rows;
	if (state.help) {
		body = <Help width={width} height={bodyHeight} page={state.helpPage} />;
	} else if (flow.phase !== 'idle') {
		body = (
			<Box flexDirection="column">
				<EngineCards engines={snapshot.engines} width={width} now={second} />
				<EmergencyDialog flow={flow} width={width} height={bodyHeight - CARD_HEIGHT} />
			</Box>
		);
	} else if (snapshot.action.phase !== 'idle') {
		body = (
			<Box flexDirection="column">
				<EngineCards engines={snapshot.engines} width={width} now={second} />
				<ActionDialog action={snapshot.action} width={width} height={bodyHeight - CARD_HEIGHT} />
			</Box>
		);
	} else if (state.view === 'logs' && model) {
		body = <LogView {...logsViewInput(model, state.logs, snapshot.logs, width, bodyHeight, colour)} />;
		if (!past) region = logsRegion(HEADER_HEIGHT, logModel, state.logs, snapshot.logs, width, bodyHeight, colour, sized);
	} else if (state.view === 'errors') {
		body = <PatternsPanel rows={snapshot.patterns} width={width} height={bodyHeight} selected={state.selection.errors} detail />;
	} else if (state.view === 'troubleshoot') {
		body = guide ? <TroubleshootView guide={guide} snapshot={snapshot} width={width} height={bodyHeight} /> : null;
	} else if (state.view === 'timeline') {
		body = <TimelinePanel events={snapshot.timeline} width={width} height={bodyHeight} selected={state.selection.timeline} now={second} problem={monitor.timeline.problem} />;
	} else if (state.view === 'verdict') {
		body = <VerdictDetail verdict={shown.verdict} width={width} height={bodyHeight} selected={state.selection.verdict} paths={{stateDir: monitor.actions.stateDir, auditPath: monitor.actions.audit.path}} past={past?.label} />;
	} else {
		body = <Overview snapshot={shown} guide={guide} rows={rows} width={width} now={Math.floor(shown.at / 1000) * 1000} past={past} zoomMin={state.zoomMin} colour={colour} thresholdMs={monitor.config.thresholds.p95FailMs} tail={tail} exits={exits} />;
		const top = HEADER_HEIGHT + CARD_HEIGHT + layout.charts + layout.verdict + layout.patterns;
		if (!past && layout.logs > 0) region = tailRegion(top, snapshot.logs, width, layout.logs, colour, sized);
	}
	if (logRegion) logRegion.current = region;
	return (
		<Box flexDirection="column" width={columns} height={rows}>
			<Header snapshot={snapshot} width={width} past={past?.label} />
			<Box flexDirection="column" height={bodyHeight}>
				{body}
			</Box>
			<StatusLine snapshot={snapshot} width={width} message={state.message} prompt={state.prompt} />
		</Box>
	);
}
