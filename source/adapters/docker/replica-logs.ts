import type {EngineRole, LogGap, LogSink, LogSource, RawLine} from '../../core/types.ts';
import {ContainerEvents} from './events.ts';
import type {DockerEndpointPool, PooledEndpoint} from './endpoints.ts';
import {createDockerLogSource, type DockerLogOptions} from './logs.ts';

// The logs of every replica of a role, on whichever Docker host each runs: one follower per
// container (reattaching by itself, as for a single engine), one events stream per host, and
// the lines of all of them merged in time order, each labelled with its replica.

/** What the Docker side needs to know of a replica (the config's Replica satisfies it). */
export interface DockerReplica {
	id: string;
	role: EngineRole;
	container?: string;
	/** Docker context name or endpoint URL; undefined = the console's default endpoint. */
	endpoint?: string;
}

/** A log line with the replica it came from. */
export type ReplicaLine = RawLine & {replica: string};

/**
 * Merges the batches of several followers into one stream in time order. A line is held for
 * `holdMs` after it arrives, so a line of another replica stamped earlier but delivered a little
 * later still goes before it; a line later than that goes out as it comes (what is drawn is not
 * redrawn). Bounded: a flush never waits for more than `maxLines` held lines.
 */
export class TimeMerger {
	private held: Array<{line: ReplicaLine; until: number}> = [];
	private timer: NodeJS.Timeout | null = null;

	constructor(
		private readonly emit: (batch: ReplicaLine[]) => void,
		private readonly holdMs = 100,
		private readonly maxLines = 5000,
		private readonly now: () => number = Date.now,
	) {}

	push(batch: readonly ReplicaLine[]): void {
		const until = this.now() + this.holdMs;
		for (const line of batch) this.held.push({line, until});
		if (this.held.length >= this.maxLines) this.flush(true);
		else this.schedule();
	}

	/** Sends what has waited its hold (everything when `all`), oldest stamp first. */
	flush(all = false): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		if (this.held.length === 0) return;
		const now = this.now();
		// Stable sort by time: lines of one replica keep their order.
		this.held.sort((a, b) => a.line.time - b.line.time);
		let cut = this.held.length;
		if (!all) {
			// Everything stamped up to the newest line whose hold is over goes out.
			let ready = -Infinity;
			for (const h of this.held) if (h.until <= now && h.line.time > ready) ready = h.line.time;
			cut = 0;
			while (cut < this.held.length && this.held[cut]!.line.time <= ready) cut++;
		}
		const out = this.held.slice(0, cut).map((h) => h.line);
		this.held = this.held.slice(cut);
		if (out.length > 0) this.emit(out);
		this.schedule();
	}

	private schedule(): void {
		if (this.timer || this.held.length === 0) return;
		const wait = Math.max(0, Math.min(...this.held.map((h) => h.until)) - this.now());
		this.timer = setTimeout(() => this.flush(), wait);
		this.timer.unref?.();
	}
}

/** "S2: <message>", so a status names the replica whose stream it is. */
function labelled(replica: DockerReplica, endpoint: PooledEndpoint, message: string | undefined, several: boolean): string | undefined {
	if (message === undefined) return undefined;
	const where = several ? ` on ${endpoint.describe}` : '';
	return `${replica.id} (${replica.container}${where}): ${message}`;
}

/**
 * A LogSource over replicas on several hosts. follow(role) follows every replica of that role
 * that names a container; a replica without one has no logs (the config says so).
 */
export function createReplicaLogSource(pool: DockerEndpointPool, replicas: readonly DockerReplica[], options: DockerLogOptions & {holdMs?: number} = {}): LogSource {
	const events = new Map<string, ContainerEvents>();
	const eventsOf = (endpoint: PooledEndpoint) => {
		let shared = events.get(endpoint.key);
		if (!shared) {
			shared = new ContainerEvents(endpoint.docker);
			events.set(endpoint.key, shared);
		}
		return shared;
	};
	const several = new Set(replicas.map((r) => pool.get(r.endpoint).key)).size > 1;
	// A host that stops answering: its streams are closed so that they attach again when it is
	// back (a host that drops packets would leave them silent for good).
	const followers = new Map<string, Set<{interrupt(): void}>>();
	let unsubscribe: (() => void) | null = null;
	const listen = () => {
		unsubscribe ??= pool.onUnreachable((down) => {
			for (const follower of followers.get(down.key) ?? []) follower.interrupt();
			events.get(down.key)?.close();
		});
	};
	return {
		follow(engine, sink, signal) {
			listen();
			const mine = replicas.filter((r) => r.role === engine && r.container);
			// One replica: its lines are in order already and go straight through.
			const merger = mine.length > 1 ? new TimeMerger((batch) => sink.lines(batch), options.holdMs ?? 100) : null;
			if (merger) signal.addEventListener('abort', () => merger.flush(true), {once: true});
			// The role's stream state is the worst of its replicas'; a message names the replica.
			const states = new Map<string, {state: 'attached' | 'waiting' | 'failed'; message?: string}>();
			const report = () => {
				const all = [...states.values()];
				const worst = all.find((s) => s.state === 'failed') ?? all.find((s) => s.state === 'waiting') ?? all[0];
				if (worst) sink.status(engine, worst.state, worst.message);
			};
			for (const replica of mine) {
				const endpoint = pool.get(replica.endpoint);
				const names = {stable: replica.container!, canary: replica.container!};
				const source = createDockerLogSource(endpoint.docker, names, options, eventsOf(endpoint));
				const mineHere = followers.get(endpoint.key) ?? new Set();
				followers.set(endpoint.key, mineHere.add(source));
				signal.addEventListener('abort', () => {
					mineHere.delete(source);
					if ([...followers.values()].every((set) => set.size === 0)) {
						unsubscribe?.();
						unsubscribe = null;
					}
				}, {once: true});
				const replicaSink: LogSink = {
					lines(batch) {
						// Labelled in place: the follower made these objects for this batch alone.
						for (const line of batch) (line as ReplicaLine).replica = replica.id;
						if (merger) merger.push(batch as ReplicaLine[]);
						else sink.lines(batch);
					},
					gap(gap: LogGap) {
						merger?.flush(true);
						sink.gap({...gap, reason: `${replica.id} ${gap.reason}`});
					},
					status(_engine, state, message) {
						states.set(replica.id, {state, message: labelled(replica, endpoint, message, several)});
						report();
					},
				};
				source.follow(engine, replicaSink, signal);
			}
		},
	};
}
