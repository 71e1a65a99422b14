// Writes a config file in place: same inode, so a single-file bind mount keeps seeing it
// (a write-temp-and-rename leaves the container on the old inode: FACTS.md §2).

import {open} from 'node:fs/promises';

/**
 * Order matters for a crash in the middle. Truncating first would leave an empty file on disk;
 * writing a shorter text over a longer one leaves the old file's tail behind it until the
 * truncate. So the new text is first written padded with newlines to at least the old length
 * (a file that is always one complete config, old or new plus blank lines), fsynced, then cut
 * to its exact length and fsynced again. The running nginx is unaffected either way: it only
 * changes on a reload, which comes after `nginx -t` has accepted the file.
 */
export async function writeInPlace(path: string, text: string): Promise<void> {
	const handle = await open(path, 'r+');
	try {
		const bytes = Buffer.from(text, 'utf8');
		const {size} = await handle.stat();
		const padded = size > bytes.length ? Buffer.concat([bytes, Buffer.alloc(size - bytes.length, 0x0a)]) : bytes;
		let offset = 0;
		while (offset < padded.length) {
			const {bytesWritten} = await handle.write(padded, offset, padded.length - offset, offset);
			offset += bytesWritten;
		}
		await handle.sync();
		if (padded.length !== bytes.length) {
			await handle.truncate(bytes.length);
			await handle.sync();
		}
	} finally {
		await handle.close();
	}
}
