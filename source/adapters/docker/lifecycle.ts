import type Docker from 'dockerode';
import {lineSplitter} from './lines.ts';
import type {EngineRole, LifecycleEvent, LifecycleSource} from '../../core/types.ts';

// What Docker did to the engines: `start`, `die` (with its exit code) and `oom` from the events
// stream. Docker clears State.OOMKilled at the next start, so after a quick restart
// (`restart: unless-stopped` takes about a second) only the `oom` event still tells.

interface RawEvent {
	Type?: string;
	Action?: string;
	status?: string;
	time?: number;
	timeNano?: number;
	Actor?: {Attributes?: {name?: string; exitCode?: string}};
}

/** Each role's container, or its replicas' containers on one Docker host. */
export type LifecycleNames = Record<EngineRole, string | readonly string[]>;

const named = (names: string | readonly string[], name: string | undefined) => name !== undefined && (typeof names === 'string' ? names === name : names.includes(name));

/** One line of the events stream as a lifecycle event of an engine, or null. */
export function parseLifecycleEvent(line: string, names: LifecycleNames): LifecycleEvent | null {
	let event: RawEvent;
	try {
		event = JSON.parse(line) as RawEvent;
	} catch {
		return null;
	}
	if (event.Type !== undefined && event.Type !== 'container') return null;
	const action = event.Action ?? event.status;
	if (action !== 'start' && action !== 'die' && action !== 'oom') return null;
	const name = event.Actor?.Attributes?.name;
	const engine = named(names.stable, name) ? 'stable' : named(names.canary, name) ? 'canary' : null;
	if (!engine) return null;
	const at = event.timeNano ? Math.round(event.timeNano / 1e6) : (event.time ?? 0) * 1000 || Date.now();
	// Which replica, when a role has several containers.
	const container = typeof names[engine] === 'string' ? {} : {container: name!};
	if (action !== 'die') return {engine, at, kind: action, ...container};
	const code = Number(event.Actor?.Attributes?.exitCode);
	return {engine, at, kind: 'die', exitCode: Number.isInteger(code) ? code : null, ...container};
}

export interface DockerLifecycleOptions {
	/** Pause before reopening a lost stream; doubles up to 10 s. */
	retryMs?: number;
}

export function createDockerLifecycleSource(docker: Docker, names: LifecycleNames, options: DockerLifecycleOptions = {}): LifecycleSource {
	const firstRetry = options.retryMs ?? 500;
	return {
		watch(sink, signal) {
			// Events missed while the stream was down are asked for again with `since`.
			let since: number | null = null;
			let retry = firstRetry;
			const open = async (): Promise<void> => {
				while (!signal.aborted) {
					try {
						const stream = await docker.getEvents({
							...(since !== null ? {since: Math.floor(since / 1000)} : {}),
							filters: {type: ['container'], event: ['start', 'die', 'oom'], container: [names.stable, names.canary].flat()},
						});
						retry = firstRetry;
						await follow(stream as unknown as NodeJS.ReadableStream);
					} catch {
						// The daemon is unreachable: try again after a pause.
					}
					if (signal.aborted) return;
					await new Promise((r) => setTimeout(r, retry).unref?.());
					retry = Math.min(retry * 2, 10_000);
				}
			};
			const seen = new Set<string>();
			const follow = (stream: NodeJS.ReadableStream) =>
				new Promise<void>((resolve) => {
					const stop = () => (stream as unknown as {destroy?: () => void}).destroy?.();
					signal.addEventListener('abort', stop, {once: true});
					stream.on(
						'data',
						lineSplitter((line) => {
							const event = parseLifecycleEvent(line, names);
							if (!event) return;
							// A reopened stream with `since` repeats the last second: deliver each event once.
							const key = `${event.engine} ${event.container ?? ''} ${event.kind} ${event.at}`;
							if (seen.has(key)) return;
							seen.add(key);
							if (seen.size > 1000) seen.delete(seen.values().next().value!);
							since = event.at;
							try {
								sink(event);
							} catch {
								// A failing sink must not end the stream.
							}
						}),
					);
					const done = () => {
						signal.removeEventListener('abort', stop);
						since ??= Date.now();
						resolve();
					};
					stream.on('end', done);
					stream.on('close', done);
					stream.on('error', done);
				});
			void open();
		},
	};
}
