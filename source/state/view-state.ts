import type {View} from '../keymap.ts';
import type {Level} from '../domain/log-parse.ts';

// Everything about what the screen shows that is not data: one pure reducer, tested
// without rendering. Effects (actions on the monitor, saving files) live outside it.

export const ZOOM_STEPS_MIN = [1, 5, 15, 30, 60] as const;
export const LEVEL_STEPS: (Level | null)[] = [null, 'INFO', 'WARN', 'ERROR'];
export const ENGINE_STEPS = ['both', 'stable', 'canary'] as const;

export interface LogViewState {
	follow: boolean;
	/** Lines scrolled up from the newest (0 = bottom). */
	offset: number;
	regex: string | null;
	invert: boolean;
	minLevel: Level | null;
	engines: (typeof ENGINE_STEPS)[number];
	wrap: boolean;
	timestamps: boolean;
	expanded: boolean;
	/** Template id when opened from the errors view. */
	pattern: string | null;
	/** Paused: the newest line's seq when the view stopped following (lines after it are "new"). */
	since: number | null;
	/** Paused: the newest line's seq when `offset` was set; offset counts up from that line. */
	base: number | null;
	/** Paused: lines the store had let go of when the view paused (its bound drops old ones). */
	notKeptAtPause: number;
}

export interface ViewState {
	view: View;
	help: boolean;
	zoomMin: number;
	logs: LogViewState;
	/** Selected row in the errors and verdict lists. */
	selection: {errors: number; verdict: number; timeline: number};
	/** A line being typed: a search regex, a split or a note. */
	prompt: {kind: 'search' | 'split' | 'note'; text: string} | null;
	/** A short message from the last key (e.g. "saved 1,204 lines to ..."). */
	message: string | null;
	/** The moment the overview shows, ms since epoch; null is live. */
	at: number | null;
	/** The help's page when it does not fit the screen at once. */
	helpPage: number;
}

export const initialViewState = (historyMinutes = 15): ViewState => ({
	view: 'overview',
	help: false,
	zoomMin: historyMinutes,
	logs: {
		follow: true,
		offset: 0,
		regex: null,
		invert: false,
		minLevel: null,
		engines: 'both',
		wrap: false,
		timestamps: true,
		expanded: false,
		pattern: null,
		since: null,
		base: null,
		notKeptAtPause: 0,
	},
	selection: {errors: 0, verdict: 0, timeline: -1},
	prompt: null,
	message: null,
	at: null,
	helpPage: 0,
});

export type ViewAction =
	| {type: 'view'; view: View}
	| {type: 'next-view'}
	| {type: 'help'}
	| {type: 'zoom'; direction: 1 | -1}
	| {type: 'scroll'; by: number; listLength: number}
	| {type: 'top'; listLength: number}
	| {type: 'bottom'}
	| {type: 'follow'}
	| {type: 'invert'}
	| {type: 'level'}
	| {type: 'engines'}
	| {type: 'wrap'}
	| {type: 'timestamps'}
	| {type: 'expand'}
	| {type: 'prompt'; kind: 'search' | 'split' | 'note'}
	| {type: 'prompt-input'; text: string}
	| {type: 'prompt-close'}
	| {type: 'search-set'; regex: string | null}
	| {type: 'open-pattern'; pattern: string; template: string}
	| {type: 'jump'; offset: number; pause?: boolean}
	/** The view paused: where, so it stays on its lines and counts the new ones. */
	| {type: 'paused-at'; seq: number | null; notKept: number}
	/** Offset recounted from the newest line (before scrolling through lines that came since). */
	| {type: 'rebase'; offset: number; seq: number | null}
	| {type: 'message'; text: string | null}
	/** Steps the overview `by` ms through the history that reaches back to `oldest`; `now` is live. */
	| {type: 'history-step'; by: number; now: number; oldest: number | null}
	| {type: 'live'}
	| {type: 'help-page'; by: number}
	| {type: 'escape'};

const VIEWS: View[] = ['overview', 'logs', 'errors', 'verdict', 'timeline', 'troubleshoot'];

function following(logs: LogViewState): LogViewState {
	return {...logs, follow: true, offset: 0, since: null, base: null, notKeptAtPause: 0};
}

function cycle<T>(steps: readonly T[], current: T): T {
	const index = steps.indexOf(current);
	return steps[(index + 1) % steps.length]!;
}

export function viewReducer(state: ViewState, action: ViewAction): ViewState {
	switch (action.type) {
		case 'view':
			return {...state, view: action.view, help: false, message: null};
		case 'next-view':
			return {...state, view: cycle(VIEWS, state.view), help: false, message: null};
		case 'help':
			return {...state, help: !state.help, helpPage: 0};
		case 'help-page':
			return {...state, helpPage: Math.max(0, state.helpPage + action.by)};
		case 'history-step':
			return stepHistory(state, action);
		case 'live':
			return {...state, at: null, message: state.at === null ? 'already live' : 'live again'};
		case 'zoom': {
			const index = ZOOM_STEPS_MIN.findIndex((step) => step >= state.zoomMin);
			const current = index === -1 ? ZOOM_STEPS_MIN.length - 1 : index;
			// '+' zooms in: a shorter span.
			const next = Math.min(ZOOM_STEPS_MIN.length - 1, Math.max(0, current - action.direction));
			return {...state, zoomMin: ZOOM_STEPS_MIN[next]!};
		}
		case 'scroll': {
			if (state.view === 'logs') {
				// Positive 'by' moves down (towards the newest line).
				const offset = Math.max(0, Math.min(Math.max(0, action.listLength - 1), state.logs.offset - action.by));
				return {...state, logs: {...state.logs, offset, follow: offset === 0 ? state.logs.follow : false}};
			}
			if (state.view === 'timeline') {
				// -1 is the newest event, kept selected as new ones arrive.
				const current = state.selection.timeline < 0 ? action.listLength - 1 : state.selection.timeline;
				const selected = Math.max(0, Math.min(action.listLength - 1, current + action.by));
				return {...state, selection: {...state.selection, timeline: selected >= action.listLength - 1 ? -1 : selected}};
			}
			const key = state.view === 'errors' ? 'errors' : 'verdict';
			const selected = Math.max(0, Math.min(action.listLength - 1, state.selection[key] + action.by));
			return {...state, selection: {...state.selection, [key]: selected}};
		}
		case 'top':
			if (state.view === 'logs') return {...state, logs: {...state.logs, offset: Math.max(0, action.listLength - 1), follow: false}};
			return {...state, selection: {...state.selection, [state.view === 'errors' ? 'errors' : state.view === 'timeline' ? 'timeline' : 'verdict']: 0}};
		case 'bottom':
			if (state.view === 'logs') return {...state, logs: following(state.logs)};
			if (state.view === 'timeline') return {...state, selection: {...state.selection, timeline: -1}};
			return state;
		case 'follow':
			// Following again jumps to the newest line; pausing keeps the lines in view.
			return {...state, logs: state.logs.follow ? {...state.logs, follow: false} : following(state.logs)};
		case 'invert':
			return {...state, logs: {...state.logs, invert: !state.logs.invert}};
		case 'level':
			return {...state, logs: {...state.logs, minLevel: cycle(LEVEL_STEPS, state.logs.minLevel), offset: 0}};
		case 'engines':
			return {...state, logs: {...state.logs, engines: cycle(ENGINE_STEPS, state.logs.engines), offset: 0}};
		case 'wrap':
			return {...state, logs: {...state.logs, wrap: !state.logs.wrap}};
		case 'timestamps':
			return {...state, logs: {...state.logs, timestamps: !state.logs.timestamps}};
		case 'expand':
			return {...state, logs: {...state.logs, expanded: !state.logs.expanded}};
		case 'prompt':
			return {...state, prompt: {kind: action.kind, text: action.kind === 'search' ? (state.logs.regex ?? '') : ''}};
		case 'prompt-input':
			return state.prompt ? {...state, prompt: {...state.prompt, text: action.text}} : state;
		case 'prompt-close':
			return {...state, prompt: null};
		case 'search-set':
			return {...state, prompt: null, logs: {...state.logs, regex: action.regex, pattern: null, offset: 0}};
		case 'open-pattern':
			return {...state, view: 'logs', logs: {...state.logs, pattern: action.pattern, regex: null, offset: 0, follow: false}, message: `logs of pattern: ${action.template}`};
		case 'jump':
			return {...state, logs: action.offset <= 0 && !action.pause ? following(state.logs) : {...state.logs, offset: Math.max(0, action.offset), follow: false}};
		case 'paused-at':
			if (state.logs.follow || state.logs.since !== null) return state;
			return {...state, logs: {...state.logs, since: action.seq, base: action.seq, notKeptAtPause: action.notKept}};
		case 'rebase':
			if (state.logs.follow) return state;
			return {...state, logs: {...state.logs, offset: Math.max(0, action.offset), base: action.seq}};
		case 'message':
			return {...state, message: action.text};
		case 'escape':
			if (state.help) return {...state, help: false};
			if (state.prompt) return {...state, prompt: null};
			if (state.view === 'logs' && (state.logs.regex || state.logs.pattern)) {
				return {...state, logs: {...state.logs, regex: null, pattern: null}, message: null};
			}
			if (state.view === 'overview' && state.at !== null) return {...state, at: null, message: 'live again'};
			return {...state, view: 'overview', message: null};
	}
}

function stepHistory(state: ViewState, step: {by: number; now: number; oldest: number | null}): ViewState {
	const target = (state.at ?? step.now) + step.by;
	if (target >= step.now) return {...state, at: null, message: state.at === null ? 'already live' : 'live again'};
	if (step.oldest === null) return {...state, message: 'no history yet: the first poll has not been kept'};
	if (target < step.oldest) {
		const clock = new Date(step.oldest).toTimeString().slice(0, 8);
		return {...state, at: step.oldest, message: `the history starts at ${clock}: nothing older is kept`};
	}
	return {...state, at: target, message: null};
}
