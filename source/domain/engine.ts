// The two engines and what their sources deliver: plain data that the domain parses and the
// core's ports carry.

export type EngineRole = 'stable' | 'canary';
export const ENGINE_ROLES: readonly EngineRole[] = ['stable', 'canary'];

/** One raw line as a source delivered it: not yet sanitized or parsed. */
export interface RawLine {
	engine: EngineRole;
	stream: 'stdout' | 'stderr';
	/** Milliseconds since the epoch: the source's timestamp, or arrival time when it has none. */
	time: number;
	text: string;
	/** The replica that wrote it (S1, C2, ...) when a role runs more than one. */
	replica?: string;
}

/** A break in a log stream (restart, recreation, reconnect), shown as a marker line. */
export interface LogGap {
	engine: EngineRole;
	/** When the stream came back (ms since epoch). */
	at: number;
	/** Length of the interruption in ms, when known. */
	gapMs: number | null;
	/** Human text, e.g. "engine-canary restarted". */
	reason: string;
}

export type ProbeFailure = 'timeout' | 'refused' | 'bad-response' | 'error';
