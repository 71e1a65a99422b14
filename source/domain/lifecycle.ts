// Restarts, exits and OOM kills of one engine over time, from the runtime's events (Docker's
// die/oom/start, the lab's supervisor) and, as a fallback when an event was missed, from the
// restart counter each resource reading carries. Pure: times are passed in.

export interface ExitRecord {
	at: number;
	code: number | null;
	oom: boolean;
}

export interface LifecycleWindow {
	/** Exits in the window (each one a restart when the engine came back). */
	exits: number;
	ooms: number;
	lastExit: ExitRecord | null;
	/** Runtime state from the newest reading. */
	state: 'running' | 'restarting' | 'exited' | 'missing' | null;
}

/** Two reports of the same exit (an event and a reading) closer than this are one exit. */
const SAME_EXIT_MS = 5_000;

export class LifecycleLog {
	private readonly exits: Array<ExitRecord & {fromReading: boolean}> = [];
	private restartCount: number | null = null;
	private eventsSinceReading = 0;
	private lastOomFlag = false;
	state: LifecycleWindow['state'] = null;

	constructor(private readonly keepMs = 60 * 60_000) {}

	/** A die (with its code) or an oom event; an oom and the die it causes are one exit. */
	event(kind: 'start' | 'die' | 'oom', at: number, exitCode?: number | null): void {
		if (kind === 'start') {
			this.state = 'running';
			return;
		}
		const near = lastWhere(this.exits, (e) => Math.abs(e.at - at) <= SAME_EXIT_MS);
		if (kind === 'oom') {
			// Docker sends oom before the die it causes; the lab may send them the other way round.
			if (near && !near.oom && (near.code === null || near.code === 137 || near.fromReading)) near.oom = true;
			else this.push({at, code: null, oom: true, fromReading: false});
			return;
		}
		this.state = 'exited';
		if (near && near.code === null && (near.oom || near.fromReading)) {
			near.code = exitCode ?? null;
			near.fromReading = false;
			this.eventsSinceReading++;
			return;
		}
		this.push({at, code: exitCode ?? null, oom: false, fromReading: false});
		this.eventsSinceReading++;
	}

	/** A resource reading: the restart counter catches exits whose events were missed. */
	reading(at: number, restarts: number, state: LifecycleWindow['state'] | undefined, exitCode: number | null | undefined, oomKilled: boolean | undefined): void {
		if (state !== undefined) this.state = state;
		const oomNow = oomKilled === true && !this.lastOomFlag;
		this.lastOomFlag = oomKilled === true;
		if (this.restartCount !== null && restarts > this.restartCount) {
			const missed = restarts - this.restartCount - this.eventsSinceReading;
			for (let i = 0; i < missed; i++) this.push({at, code: null, oom: false, fromReading: true});
		}
		if (oomNow && !this.exits.some((e) => e.oom && at - e.at <= SAME_EXIT_MS * 2)) {
			const near = lastWhere(this.exits, (e) => at - e.at <= SAME_EXIT_MS * 2 && at >= e.at);
			if (near) near.oom = true;
			else this.push({at, code: exitCode ?? null, oom: true, fromReading: true});
		}
		// A counter that went down belongs to a recreated container: start counting from it.
		this.restartCount = restarts;
		this.eventsSinceReading = 0;
	}

	window(from: number, to: number): LifecycleWindow {
		let exits = 0;
		let ooms = 0;
		let lastExit: ExitRecord | null = null;
		for (const e of this.exits) {
			if (e.at > to) continue;
			lastExit = {at: e.at, code: e.code, oom: e.oom};
			if (e.at < from) continue;
			exits++;
			if (e.oom) ooms++;
		}
		return {exits, ooms, lastExit, state: this.state};
	}

	private push(record: ExitRecord & {fromReading: boolean}): void {
		this.exits.push(record);
		this.exits.sort((a, b) => a.at - b.at);
		const cutoff = record.at - this.keepMs;
		while (this.exits.length > 0 && this.exits[0]!.at < cutoff) this.exits.shift();
	}
}

function lastWhere<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
	for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
	return undefined;
}
