// What a screen may read of the log store: the kept lines and their counts, never the store
// itself (its sink, timers and miners stay the Monitor's). The snapshot carries this view.

import type {EngineRole} from '../../domain/engine.ts';
import type {StoredEvent} from './log-store.ts';

/** One engine's kept lines, oldest first. */
export interface LogLines {
	readonly length: number;
	/** Lines from..to (exclusive), with Array.prototype.slice semantics. */
	slice(from?: number, to?: number): StoredEvent[];
	toArray(): StoredEvent[];
	/** The line at an index, oldest 0; undefined outside the kept lines. */
	at(index: number): StoredEvent | undefined;
}

export interface LogView {
	readonly rings: Readonly<Record<EngineRole, LogLines>>;
	/** Lines kept per engine at most (the history). */
	readonly history: number;
	/** Moves whenever the kept lines or the counts change. */
	readonly version: number;
	/** Lines received since the start, both engines. */
	readonly received: number;
	/** Lines that aged out of the history: received and shown, no longer kept. */
	notKept(engine: EngineRole): number;
	/** Lines the console failed to read. */
	dropped(engine: EngineRole): number;
}
