// The newest whole lines of an append-only file, reading at most maxBytes from its end: an
// audit log or a timeline years long costs the same to open as a new one.

import {open} from 'node:fs/promises';

export async function readTail(path: string, maxBytes: number): Promise<string[]> {
	let handle: Awaited<ReturnType<typeof open>>;
	try {
		handle = await open(path, 'r');
	} catch {
		return [];
	}
	try {
		const {size} = await handle.stat();
		const start = Math.max(0, size - maxBytes);
		const buffer = Buffer.alloc(size - start);
		const {bytesRead} = await handle.read(buffer, 0, buffer.length, start);
		const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
		// A read that starts mid-file starts mid-line: that first piece is not a whole line.
		if (start > 0) lines.shift();
		return lines.filter((line) => line.trim() !== '');
	} catch {
		return [];
	} finally {
		await handle.close();
	}
}
