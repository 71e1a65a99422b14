// The audit log as a file: one JSON line per weight action, appended and fsynced.

import {mkdir, open, readFile} from 'node:fs/promises';
import {readTail} from './read-tail.ts';
import {dirname} from 'node:path';
import type {AuditLog, AuditWrite} from '../../core/change/audit.ts';

export function createAuditLog(path: string): AuditLog {
	// Appends from one process go one after another, so lines never interleave.
	let queue: Promise<unknown> = Promise.resolve();
	const write = async (line: string | null): Promise<AuditWrite> => {
		try {
			await mkdir(dirname(path), {recursive: true});
			const handle = await open(path, 'a', 0o644);
			try {
				// One write of the whole line: O_APPEND keeps it in one piece next to other writers.
				if (line !== null) {
					await handle.write(line);
					await handle.sync();
				}
			} finally {
				await handle.close();
			}
			return {ok: true};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			// mkdir -p says EEXIST when a file stands where a directory should be.
			const reason = code === 'EEXIST' || code === 'ENOTDIR' ? `a path component of ${dirname(path)} is a file, not a directory` : (error as Error).message;
			return {ok: false, message: `audit log ${path} not written${code ? ` (${code})` : ''}: ${reason}`};
		}
	};
	return {
		path,
		append(entry) {
			let line: string;
			try {
				line = JSON.stringify(entry) + '\n';
			} catch (error) {
				return Promise.resolve({ok: false, message: `audit entry not serializable: ${(error as Error).message}`});
			}
			const result = queue.then(() => write(line));
			queue = result;
			return result;
		},
		check() {
			const result = queue.then(() => write(null));
			queue = result;
			return result;
		},
		async lastLine() {
			try {
				return (await readFile(path, 'utf8')).trimEnd().split('\n').at(-1) || null;
			} catch {
				return null;
			}
		},
		tail: (maxBytes = 1 << 20) => readTail(path, maxBytes),
	};
}
