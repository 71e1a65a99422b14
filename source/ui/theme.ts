// Semantic colours: panels name what a colour means, never the colour itself. All of them are
// in the 16-colour palette so they read the same in xterm, tmux, screen and a 16-colour console.

export const theme = {
	state: {
		pass: 'green',
		warn: 'yellow',
		fail: 'red',
		nodata: 'gray',
	},
	engine: {
		stable: 'cyan',
		canary: 'magenta',
	},
	text: {
		dim: 'gray',
		title: 'white',
		accent: 'blue',
		key: 'yellow',
	},
	level: {
		DEBUG: 'gray',
		INFO: undefined,
		WARN: 'yellow',
		ERROR: 'red',
		FATAL: 'redBright',
	},
} as const;

export type StateColour = (typeof theme.state)[keyof typeof theme.state];
