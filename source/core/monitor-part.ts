import type {Row} from '../domain/verdict-checks.ts';

// A part of the console that runs beside the engines' polls (Redis, response drift) and may
// add checks to the verdict. The Monitor starts it with its own signal and asks it for rows
// every time it judges.

export interface MonitorPart {
	/** Starts polling; stops when the signal aborts. `changed` asks for a new snapshot. */
	start(signal: AbortSignal, changed: () => void): void;
	/** Extra verdict rows for the window ending at `now`. */
	checks?(now: number, windowSec: number): Row[];
}
