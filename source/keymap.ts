// The single table of keys. Input handling, the help overlay and README's key table all
// read it, so they cannot drift apart.

export type View = 'overview' | 'logs' | 'errors' | 'verdict' | 'timeline' | 'troubleshoot';

export type Command =
	| 'quit'
	| 'help'
	| 'view-overview'
	| 'view-logs'
	| 'view-errors'
	| 'view-verdict'
	| 'view-troubleshoot'
	| 'probe'
	| 'view-timeline'
	| 'note'
	| 'bundle'
	| 'next-view'
	| 'promote'
	| 'rollback'
	| 'set-split'
	| 'undo'
	| 'resample'
	| 'restart-proxy'
	| 'emergency'
	| 'zoom-in'
	| 'history-back'
	| 'history-forward'
	| 'history-back-far'
	| 'history-forward-far'
	| 'live'
	| 'zoom-out'
	| 'down'
	| 'up'
	| 'page-down'
	| 'page-up'
	| 'top'
	| 'bottom'
	| 'follow'
	| 'search'
	| 'search-next'
	| 'search-prev'
	| 'invert-filter'
	| 'level-filter'
	| 'engine-filter'
	| 'next-error'
	| 'prev-error'
	| 'wrap'
	| 'timestamps'
	| 'expand'
	| 'save'
	| 'open'
	| 'confirm'
	| 'cancel';

export interface KeyBinding {
	/** Key names as ui/key-splitter.ts gives them: a character, or 'enter', 'escape', 'pageup', 'pagedown', 'up', 'down', 'tab', 'ctrl+c'. */
	keys: string[];
	command: Command;
	description: string;
	/** Views where the key acts; absent means everywhere. */
	views?: View[];
	group: 'General' | 'Views' | 'Weights' | 'Charts' | 'History' | 'Lists and logs';
}

const LISTS: View[] = ['logs', 'errors', 'verdict', 'timeline'];
/** Views that can show a past moment. */
const PAST: View[] = ['overview', 'verdict'];

export const KEYMAP: KeyBinding[] = [
	{keys: ['q', 'ctrl+c'], command: 'quit', description: 'quit (the terminal is restored)', group: 'General'},
	{keys: ['?'], command: 'help', description: 'show or hide this help', group: 'General'},
	{keys: ['escape'], command: 'cancel', description: 'close a dialog or a search; back to overview', group: 'General'},
	{keys: ['1'], command: 'view-overview', description: 'overview: cards, charts, split, verdict, errors, log tail', group: 'Views'},
	{keys: ['2', 'L'], command: 'view-logs', description: 'logs of both engines, interleaved', group: 'Views'},
	{keys: ['3', 'E'], command: 'view-errors', description: 'error patterns: canary against stable, per 1k requests', group: 'Views'},
	{keys: ['4', 'V'], command: 'view-verdict', description: 'verdict detail: every check with value, threshold, window and N', group: 'Views'},
	{keys: ['5', 'T'], command: 'view-timeline', description: 'timeline: actions, verdict changes, restarts and notes, in order', group: 'Views'},
	{keys: ['6', 'D'], command: 'view-troubleshoot', description: 'troubleshooting: the guide\'s 3 issues, probes', group: 'Views'},
	{keys: ['tab'], command: 'next-view', description: 'next view', group: 'Views'},
	{keys: ['p'], command: 'promote', description: 'promote to the next stage (asks first)', group: 'Weights'},
	{keys: ['b'], command: 'rollback', description: 'roll back to 100/0 (asks first, always allowed)', group: 'Weights'},
	{keys: ['w'], command: 'set-split', description: 'choose a split, e.g. 75/25 (asks first)', group: 'Weights'},
	{keys: ['u'], command: 'undo', description: 'undo the last change made here (asks first)', group: 'Weights'},
	{keys: ['s'], command: 'resample', description: 'sample the observed split again', group: 'Weights'},
	{keys: ['R'], command: 'restart-proxy', description: 'restart the proxy to reconnect a detached config file (asks first)', group: 'Weights'},
	{keys: ['X'], command: 'emergency', description: 'emergency actions: all traffic to stable, stop the canary, restart nginx or Redis (asks first)', group: 'Weights'},
	{keys: ['a'], command: 'note', description: 'add a note to the timeline (audited, webhooks)', group: 'General'},
	{keys: ['B'], command: 'bundle', description: 'write an incident bundle, last 15 min (.tar.gz)', group: 'General'},
	{keys: ['y', 'enter'], command: 'confirm', description: 'confirm the action in the dialog', group: 'Weights'},
	{keys: ['A'], command: 'probe', description: 'send the A/B probes now (all of them, once)', group: 'Weights'},
	{keys: ['+'], command: 'zoom-in', description: 'charts: show a shorter time span', views: ['overview'], group: 'Charts'},
	{keys: ['-'], command: 'zoom-out', description: 'charts: show a longer time span', views: ['overview'], group: 'Charts'},
	{keys: ['['], command: 'history-back', description: 'step back 30 s in the last hour (cards, split, verdict, charts)', views: PAST, group: 'History'},
	{keys: [']'], command: 'history-forward', description: 'step forward 30 s', views: PAST, group: 'History'},
	{keys: ['{'], command: 'history-back-far', description: 'step back 5 minutes', views: PAST, group: 'History'},
	{keys: ['}'], command: 'history-forward-far', description: 'step forward 5 minutes', views: PAST, group: 'History'},
	{keys: ['end', '0'], command: 'live', description: 'back to live (esc too, in the overview)', group: 'History'},
	{keys: ['j', 'down'], command: 'down', description: 'move down', views: LISTS, group: 'Lists and logs'},
	{keys: ['k', 'up'], command: 'up', description: 'move up', views: LISTS, group: 'Lists and logs'},
	{keys: ['pagedown', 'ctrl+f'], command: 'page-down', description: 'page down', views: LISTS, group: 'Lists and logs'},
	{keys: ['pageup', 'ctrl+b'], command: 'page-up', description: 'page up', views: LISTS, group: 'Lists and logs'},
	{keys: ['g'], command: 'top', description: 'go to the top (oldest)', views: LISTS, group: 'Lists and logs'},
	{keys: ['G'], command: 'bottom', description: 'go to the bottom and follow', views: LISTS, group: 'Lists and logs'},
	{keys: ['f'], command: 'follow', description: 'logs: follow or pause', views: ['logs'], group: 'Lists and logs'},
	{keys: ['/'], command: 'search', description: 'logs: filter by a regular expression (matches highlighted)', views: ['logs'], group: 'Lists and logs'},
	{keys: ['n'], command: 'search-next', description: 'logs: next match', views: ['logs'], group: 'Lists and logs'},
	{keys: ['N'], command: 'search-prev', description: 'logs: previous match', views: ['logs'], group: 'Lists and logs'},
	{keys: ['!'], command: 'invert-filter', description: 'logs: invert the filter (hide matches)', views: ['logs'], group: 'Lists and logs'},
	{keys: ['l'], command: 'level-filter', description: 'logs: minimum level (all, info, warn, error)', views: ['logs'], group: 'Lists and logs'},
	{keys: ['e'], command: 'engine-filter', description: 'logs: engines shown (both, stable, canary)', views: ['logs'], group: 'Lists and logs'},
	{keys: [']'], command: 'next-error', description: 'logs: jump to the next error', views: ['logs'], group: 'Lists and logs'},
	{keys: ['['], command: 'prev-error', description: 'logs: jump to the previous error', views: ['logs'], group: 'Lists and logs'},
	{keys: ['W'], command: 'wrap', description: 'logs: wrap long lines', views: ['logs'], group: 'Lists and logs'},
	{keys: ['t'], command: 'timestamps', description: 'logs: show or hide timestamps', views: ['logs'], group: 'Lists and logs'},
	{keys: ['x'], command: 'expand', description: 'logs: show the raw line of the selected event', views: ['logs'], group: 'Lists and logs'},
	{keys: ['S'], command: 'save', description: 'logs: save the filtered lines to a file', views: ['logs'], group: 'Lists and logs'},
	{keys: ['enter', 'o'], command: 'open', description: 'errors: open the logs filtered to the selected pattern; timeline: the logs at that moment', views: ['errors', 'timeline'], group: 'Lists and logs'},
];

/** The binding for a key in a view; view-specific bindings win over global ones. */
export function lookup(key: string, view: View): KeyBinding | undefined {
	return (
		KEYMAP.find((binding) => binding.keys.includes(key) && binding.views?.includes(view)) ??
		KEYMAP.find((binding) => binding.keys.includes(key) && !binding.views)
	);
}

export function formatKeys(binding: KeyBinding): string {
	return binding.keys.join(' ');
}

/** README's key table, generated from this file (a test compares them). */
export function markdownKeyTable(): string {
	const rows = KEYMAP.map((binding) => {
		const keys = binding.keys.map((key) => `\`${key === '|' ? '\\|' : key}\``).join(' ');
		const where = binding.views ? binding.views.join(', ') : 'all';
		return `| ${keys} | ${binding.description} | ${where} |`;
	});
	return ['| keys | action | views |', '|---|---|---|', ...rows].join('\n');
}
