// What the screen saves, passed in by the CLI (the UI writes no file itself): log lines into
// the state directory's logs/, and for measurements (npm run bench reads them) the latest
// stats over CANARY_CONSOLE_STATS_FILE once a second, when it is set.

import {writeFileSync} from 'node:fs';
import type {StoredEvent} from '../../core/monitor/log-store.ts';
import {saveEvents} from './log-save.ts';
import {logsDir} from './state-dir.ts';

export function statsFile(path: string): (stats: object) => void {
	return (stats) => writeFileSync(path, `${JSON.stringify(stats)}\n`);
}

export function screenFiles(stateDir: string, env: NodeJS.ProcessEnv = process.env) {
	return {
		saveLogs: (events: StoredEvent[]) => saveEvents(events, logsDir(stateDir)),
		stats: env.CANARY_CONSOLE_STATS_FILE ? statsFile(env.CANARY_CONSOLE_STATS_FILE) : undefined,
	};
}
