// The timeline as a file in the state directory: JSON lines appended with O_APPEND (one write
// per line, so consoles never interleave), read from where the last read stopped, and cut to
// its bounds by a rewrite at start.

import {mkdir, open, rename, stat, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import type {EventFile} from '../../core/change/ports.ts';
import type {AuditWrite} from '../../core/change/audit.ts';
import {readTail} from './read-tail.ts';

export function createEventFile(path: string): EventFile {
	let queue: Promise<unknown> = Promise.resolve();
	const write = async (lines: readonly string[]): Promise<AuditWrite> => {
		try {
			await mkdir(dirname(path), {recursive: true});
			const handle = await open(path, 'a', 0o644);
			try {
				for (const line of lines) await handle.write(`${line}\n`);
			} finally {
				await handle.close();
			}
			return {ok: true};
		} catch (error) {
			return {ok: false, message: `timeline ${path} not written: ${(error as Error).message}`};
		}
	};
	return {
		path,
		append(lines) {
			const result = queue.then(() => write(lines));
			queue = result;
			return result;
		},
		async read(offset, maxBytes) {
			let handle: Awaited<ReturnType<typeof open>>;
			try {
				handle = await open(path, 'r');
			} catch {
				return {lines: [], offset: 0};
			}
			try {
				const {size} = await handle.stat();
				const fresh = offset === null || size < offset;
				const start = fresh ? Math.max(0, size - maxBytes) : offset;
				const buffer = Buffer.alloc(Math.min(size - start, maxBytes));
				const {bytesRead} = await handle.read(buffer, 0, buffer.length, start);
				const text = buffer.subarray(0, bytesRead).toString('utf8');
				// Only whole lines: a line being written is read next time.
				const end = text.lastIndexOf('\n') + 1;
				const lines = text.slice(0, end).split('\n');
				if (fresh && start > 0) lines.shift();
				return {lines: lines.filter((line) => line.trim() !== ''), offset: start + Buffer.byteLength(text.slice(0, end))};
			} catch {
				return {lines: [], offset: offset ?? 0};
			} finally {
				await handle.close();
			}
		},
		compact(keep, maxBytes) {
			// On the queue: a line appended by this console while the file is rewritten is not lost.
			const result = queue.then(() => cut(path, keep, maxBytes));
			queue = result;
			return result;
		},
	};
}

/** Rewrites the file with the newest lines `keep` accepts, within maxBytes; leaves it as it was on any failure. */
async function cut(path: string, keep: (line: string) => boolean, maxBytes: number): Promise<void> {
	try {
		const lines = await readTail(path, maxBytes * 2);
		const kept: string[] = [];
		let bytes = 0;
		for (let i = lines.length - 1; i >= 0; i--) {
			const line = lines[i]!;
			bytes += Buffer.byteLength(line) + 1;
			if (bytes > maxBytes) break;
			if (keep(line)) kept.unshift(line);
		}
		const text = kept.map((line) => `${line}\n`).join('');
		if (Buffer.byteLength(text) === (await stat(path)).size) return;
		const temporary = `${path}.${process.pid}.tmp`;
		await writeFile(temporary, text, {mode: 0o644});
		await rename(temporary, path);
	} catch {
		// A timeline that could not be cut stays as it was; the next start tries again.
	}
}
