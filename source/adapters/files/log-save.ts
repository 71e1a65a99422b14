import {mkdir, open} from 'node:fs/promises';
import {resolve} from 'node:path';
import type {StoredEvent} from '../../core/monitor/log-store.ts';
import {MAX_RAW} from '../../domain/log-parse.ts';

// Saves the filtered log buffer: raw lines (up to 64 KB each), tagged by engine, in order, into
// the deployment's state directory (state-dir.ts logsDir), not wherever the console was started.

export async function saveEvents(events: readonly StoredEvent[], dir: string, now = new Date()): Promise<string> {
	await mkdir(dir, {recursive: true});
	const stamp = now.toISOString().replace(/[:.]/g, '-');
	const path = resolve(dir, `canary-console-logs-${stamp}.log`);
	const file = await open(path, 'wx');
	try {
		const chunk: string[] = [];
		for (const event of events) {
			chunk.push(`${event.engine}\t${event.stream}\t${new Date(event.time).toISOString()}\t${event.raw.slice(0, MAX_RAW).replace(/\n/g, '\n\t')}\n`);
			if (chunk.length >= 1000) await file.write(chunk.splice(0).join(''));
		}
		if (chunk.length > 0) await file.write(chunk.join(''));
		await file.sync();
	} finally {
		await file.close();
	}
	return path;
}
