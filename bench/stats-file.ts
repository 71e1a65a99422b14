import {renameSync, writeFileSync} from 'node:fs';
import type {BackgroundCounter, EngineCount} from './line-counter.ts';
import type {EngineRole} from '../source/core/types.ts';

// The raw reader reports its line counts through a small JSON file,
// rewritten (atomically) twice a second; the bench reads it at the edges of each phase.

export interface ReaderStats {
	pid: number;
	at: number;
	engines: Record<EngineRole, EngineCount>;
}

export function startStatsFile(path: string, counter: BackgroundCounter, extra: () => Partial<ReaderStats> = () => ({})): () => void {
	const write = () => {
		const stats: ReaderStats = {pid: process.pid, at: Date.now(), engines: counter.snapshot(), ...extra()};
		try {
			writeFileSync(`${path}.tmp`, JSON.stringify(stats));
			renameSync(`${path}.tmp`, path);
		} catch {
			// The bench removed its directory: it is done with us.
		}
	};
	write();
	const timer = setInterval(write, 500);
	timer.unref();
	return () => clearInterval(timer);
}
