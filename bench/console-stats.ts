import {readFileSync} from 'node:fs';

// What the console writes once a second to CANARY_CONSOLE_STATS_FILE (source/ui/run-screen.tsx gathers them, source/adapters/files/screen-files.ts writes them).

export interface ConsoleStats {
	at: number;
	/** Lines its log store received, both engines, any kind. */
	received: number;
	/** Lines received but not read (an error; 0 in a healthy run). */
	dropped: {stable: number; canary: number};
	/** Lines aged out of the bounded history (display history, not ingestion). */
	notKept?: {stable: number; canary: number};
	/** Snapshots published (each one may re-render the screen). */
	publishes: number;
	/** Bytes the frame writer wrote to the terminal. */
	bytes: number;
	memory: NodeJS.MemoryUsage;
}

/** The record, or null while the file is missing or half written. */
export function parseConsoleStats(text: string): ConsoleStats | null {
	const line = text.trim().split('\n').at(-1);
	if (!line) return null;
	try {
		const s = JSON.parse(line) as Partial<ConsoleStats>;
		return typeof s.at === 'number' && typeof s.received === 'number' ? (s as ConsoleStats) : null;
	} catch {
		return null;
	}
}

export function readConsoleStats(path: string): ConsoleStats | null {
	try {
		return parseConsoleStats(readFileSync(path, 'utf8'));
	} catch {
		return null;
	}
}
