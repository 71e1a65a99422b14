import type {Row} from '../../domain/verdict-checks.ts';

// A part of the console that runs beside the engines' polls (Redis, response drift) and may
// add checks to the verdict. The Monitor starts it with its own signal, polls it with the
// engines (so its check is current in the same poll) and asks it for rows every time it judges.

export interface MonitorPart {
	/** Starts what runs by itself; stops when the signal aborts. `changed` asks for a new snapshot. */
	start?(signal: AbortSignal, changed: () => void): void;
	/** Runs with every poll of the engines; never throws. */
	poll?(signal: AbortSignal): Promise<void>;
	/** Extra verdict rows for the window ending at `now`. */
	checks?(now: number, windowSec: number): Row[];
}
