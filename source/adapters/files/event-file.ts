// The timeline as a file in the state directory: JSON lines appended with O_APPEND (one write
// per line, so consoles never interleave), read from where the last read stopped, and cut to
// its bounds by a rewrite at start that loses no line another console appends meanwhile.

import {appendFile, mkdir, open, rename, stat, unlink, writeFile, type FileHandle} from 'node:fs/promises';
import {dirname} from 'node:path';
import type {EventFile} from '../../core/change/ports.ts';
import type {AuditWrite} from '../../core/change/audit.ts';

export function createEventFile(path: string): EventFile {
	let queue: Promise<unknown> = Promise.resolve();
	const write = async (lines: readonly string[]): Promise<AuditWrite> => {
		try {
			await mkdir(dirname(path), {recursive: true});
			// A console cutting the file replaces it by a rename: a line that went to the replaced
			// file is written again to the new one (a copy the cut made too is read once).
			for (let attempt = 0; attempt < 3; attempt++) {
				const handle = await open(path, 'a', 0o644);
				try {
					for (const line of lines) await handle.write(`${line}\n`);
					const [mine, now] = await Promise.all([handle.stat(), stat(path).catch(() => null)]);
					if (now && now.ino === mine.ino && now.dev === mine.dev) break;
				} finally {
					await handle.close();
				}
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

/** A compaction older than this left its lock behind (a console that died mid-way). */
const STALE_LOCK_MS = 60_000;

/**
 * Rewrites the file with the newest lines `keep` accepts, within maxBytes; leaves it as it was on
 * any failure. Other consoles append meanwhile, without a lock: a line that reached the old file
 * after it was read is copied to the new one from the old file's handle, kept open through the
 * rename; and a writer that finds its line went to a replaced file writes it again (append()).
 * Two consoles starting together do not both cut: the second finds the lock and leaves it.
 */
async function cut(path: string, keep: (line: string) => boolean, maxBytes: number): Promise<void> {
	const lock = `${path}.cut.lock`;
	try {
		await writeFile(lock, String(process.pid), {flag: 'wx'});
	} catch {
		const age = await stat(lock).then((info) => Date.now() - info.mtimeMs, () => 0);
		if (age > STALE_LOCK_MS) await unlink(lock).catch(() => {});
		return;
	}
	let old: FileHandle | null = null;
	try {
		old = await open(path, 'r');
		const {size} = await old.stat();
		const from = Math.max(0, size - maxBytes * 2);
		const lines = (await readRange(old, from, size)).split('\n');
		if (from > 0) lines.shift();
		const kept: string[] = [];
		let bytes = 0;
		for (let i = lines.length - 1; i >= 0; i--) {
			const line = lines[i]!;
			if (line.trim() === '') continue;
			bytes += Buffer.byteLength(line) + 1;
			if (bytes > maxBytes) break;
			if (keep(line)) kept.unshift(line);
		}
		const text = kept.map((line) => `${line}\n`).join('');
		if (Buffer.byteLength(text) === size) return;
		const temporary = `${path}.${process.pid}.tmp`;
		await writeFile(temporary, text, {mode: 0o644});
		await rename(temporary, path);
		// Lines appended to the old file between the read and the rename.
		const late = await readRange(old, size, (await old.stat()).size);
		if (late !== '') await appendFile(path, late.endsWith('\n') ? late : `${late}\n`);
	} catch {
		// A timeline that could not be cut stays as it was; the next start tries again.
	} finally {
		await old?.close();
		await unlink(lock).catch(() => {});
	}
}

async function readRange(handle: FileHandle, from: number, to: number): Promise<string> {
	if (to <= from) return '';
	const buffer = Buffer.alloc(to - from);
	const {bytesRead} = await handle.read(buffer, 0, buffer.length, from);
	return buffer.subarray(0, bytesRead).toString('utf8');
}
