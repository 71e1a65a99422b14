import type Docker from 'dockerode';
import {lineSplitter} from './lines.ts';

type Waiter = {name: string; wake: () => void};

/**
 * One shared `docker events` stream for container events, used to wake followers the moment a
 * watched container starts, restarts, dies or is recreated. Waiting also ends on a timeout, so
 * when the events stream is down (daemon restarting) callers fall back to polling.
 */
export class ContainerEvents {
	private stream: NodeJS.ReadableStream | null = null;
	private opening = false;
	private readonly watched = new Map<string, number>();
	private readonly waiters = new Set<Waiter>();
	/** When the current stream opened (0: none is open): changes after this moment are seen. */
	openedAt = 0;
	/** When the last container event of any container arrived. */
	lastEventAt = 0;

	constructor(private readonly docker: Docker) {}

	/**
	 * True when no container event arrived since `since` and the stream was open all along: what
	 * the daemon said at `since` still holds (a container that starts, stops, dies, is created,
	 * removed or renamed, or changes health, sends an event).
	 */
	quietSince(since: number): boolean {
		return this.stream !== null && this.openedAt > 0 && this.openedAt <= since && this.lastEventAt < since;
	}

	/** Keeps the events stream open while at least one watcher is interested. */
	watch(name: string, signal: AbortSignal): () => void {
		this.watched.set(name, (this.watched.get(name) ?? 0) + 1);
		this.ensureOpen();
		let done = false;
		const stop = () => {
			if (done) return;
			done = true;
			signal.removeEventListener('abort', stop);
			const n = (this.watched.get(name) ?? 1) - 1;
			if (n > 0) this.watched.set(name, n);
			else this.watched.delete(name);
			if (this.watched.size === 0) this.close();
		};
		signal.addEventListener('abort', stop, {once: true});
		return stop;
	}

	/** Resolves after `ms`, on an event for `name`, or on abort, whichever comes first. */
	wait(name: string, ms: number, signal: AbortSignal): Promise<void> {
		this.ensureOpen();
		return new Promise((resolve) => {
			if (signal.aborted) return resolve();
			const waiter: Waiter = {name, wake: () => finish()};
			const timer = setTimeout(() => finish(), ms);
			const finish = () => {
				clearTimeout(timer);
				this.waiters.delete(waiter);
				signal.removeEventListener('abort', finish);
				resolve();
			};
			this.waiters.add(waiter);
			signal.addEventListener('abort', finish, {once: true});
		});
	}

	close(): void {
		const stream = this.stream as unknown as {destroy?: () => void} | null;
		this.stream = null;
		this.openedAt = 0;
		stream?.destroy?.();
	}

	/** Opens the stream when somebody watches and none is open or opening (after a daemon restart, too). */
	ensureOpen(): void {
		if (this.stream || this.opening || this.watched.size === 0) return;
		this.opening = true;
		this.docker
			.getEvents({filters: {type: ['container']}})
			.then((stream) => {
				this.opening = false;
				if (this.watched.size === 0) {
					(stream as unknown as {destroy?: () => void}).destroy?.();
					return;
				}
				this.stream = stream;
				this.openedAt = Date.now();
				stream.on('data', lineSplitter((line) => this.onEvent(line)));
				const lost = () => {
					if (this.stream !== stream) return;
					this.stream = null;
					this.openedAt = 0;
				};
				stream.on('end', lost);
				stream.on('close', lost);
				stream.on('error', lost);
			})
			.catch(() => {
				// The daemon is unreachable; the next wait() tries again.
				this.opening = false;
			});
	}

	private onEvent(line: string): void {
		this.lastEventAt = Date.now();
		let name: string | undefined;
		try {
			const event = JSON.parse(line) as {Actor?: {Attributes?: {name?: string}}};
			name = event.Actor?.Attributes?.name;
		} catch {
			return;
		}
		if (!name) return;
		for (const waiter of [...this.waiters]) if (waiter.name === name) waiter.wake();
	}
}
