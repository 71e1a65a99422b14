// The audit log as a file: one JSON line per weight action, appended and fsynced.

import {mkdir, open, readFile} from 'node:fs/promises';
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
		lastFinished: () => lastFinished(path),
		async lastLine() {
			try {
				return (await readFile(path, 'utf8')).trimEnd().split('\n').at(-1) || null;
			} catch {
				return null;
			}
		},
	};
}


const AUDIT_TAIL = 64 * 1024;

/** The newest entry of the audit log whose outcome is not 'started', from the file's last 64 KB. */
async function lastFinished(path: string): Promise<string | null> {
	let handle: Awaited<ReturnType<typeof open>>;
	try {
		handle = await open(path, 'r');
	} catch {
		return null;
	}
	try {
		const {size} = await handle.stat();
		const length = Math.min(size, AUDIT_TAIL);
		const buffer = Buffer.alloc(length);
		await handle.read(buffer, 0, length, size - length);
		for (const line of buffer.toString('utf8').trim().split('\n').reverse()) {
			try {
				if ((JSON.parse(line) as {outcome?: string}).outcome !== 'started') return line;
			} catch {
				// a line cut by the 64 KB window
			}
		}
		return null;
	} finally {
		await handle.close();
	}
}
