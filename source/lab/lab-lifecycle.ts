// LifecycleSource for the lab: what the lab's supervisor did to its engine processes (start,
// die with the exit code, oom before the die of an OOM kill), handed to every watcher, as
// Docker's event stream hands out die/oom/start for containers.

import type {LifecycleEvent, LifecycleSource} from '../core/types.ts';

export interface LabLifecycle extends LifecycleSource {
	emit(event: LifecycleEvent): void;
}

export function createLabLifecycle(): LabLifecycle {
	const sinks = new Set<(event: LifecycleEvent) => void>();
	return {
		// Like `docker events` without --since: a watcher sees what happens from now on; restart
		// counts before that are in the stats readings.
		watch(sink, signal) {
			if (signal.aborted) return;
			sinks.add(sink);
			signal.addEventListener('abort', () => sinks.delete(sink), {once: true});
		},
		emit(event) {
			for (const sink of [...sinks]) {
				try {
					sink(event);
				} catch {
					// A watcher's bug must not stop the supervisor or the other watchers.
				}
			}
		},
	};
}
