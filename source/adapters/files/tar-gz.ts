// A .tar.gz of a few text files, written without a dependency: ustar headers (POSIX 1003.1),
// gzip by zlib off the main thread, fed a piece at a time, so a bundle of a busy quarter of an
// hour does not stall the screen.

import {createWriteStream} from 'node:fs';
import {mkdir, stat} from 'node:fs/promises';
import {once} from 'node:events';
import {dirname} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {createGzip, type Gzip} from 'node:zlib';

/** A file's text, whole or as chunks made on demand (a generator the writer may run twice). */
export type TarContent = string | Buffer | {chunks: () => Iterable<string>};

export interface TarFile {
	/** Path inside the archive, at most 100 bytes. */
	name: string;
	content: TarContent;
}

function header(name: string, size: number, mtime: number): Buffer {
	const block = Buffer.alloc(512);
	const put = (text: string, offset: number, length: number) => block.write(text, offset, length, 'utf8');
	const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
	if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
	put(name, 0, 100);
	put(`${octal(0o644, 8)}\0`, 100, 8);
	put(`${octal(0, 8)}\0`, 108, 8);
	put(`${octal(0, 8)}\0`, 116, 8);
	put(`${octal(size, 12)}\0`, 124, 12);
	put(`${octal(Math.floor(mtime / 1000), 12)}\0`, 136, 12);
	block.fill(' ', 148, 156);
	put('0', 156, 1);
	put('ustar\0', 257, 6);
	put('00', 263, 2);
	let sum = 0;
	for (const byte of block) sum += byte;
	put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
	return block;
}

/** A pause that lets the screen draw between two pieces of a big archive. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

function* piecesOf(content: TarContent): Iterable<string | Buffer> {
	if (typeof content === 'string' || Buffer.isBuffer(content)) yield content;
	else yield* content.chunks();
}

/**
 * Writes the archive into `out` (a gzip stream), a piece at a time with a pause after each:
 * a bundle of a busy quarter of an hour (hundreds of MB of log text) never stalls the screen,
 * and never sits in memory whole. A chunked file is read twice: once for its size (the header
 * comes first), once for its bytes.
 */
async function writeArchive(files: readonly TarFile[], mtime: number, out: Gzip): Promise<void> {
	const put = async (bytes: Buffer) => {
		if (!out.write(bytes)) await once(out, 'drain');
	};
	for (const file of files) {
		let size = 0;
		for (const piece of piecesOf(file.content)) {
			size += typeof piece === 'string' ? Buffer.byteLength(piece, 'utf8') : piece.length;
			if (typeof file.content === 'object' && !Buffer.isBuffer(file.content)) await breathe();
		}
		await put(header(file.name, size, mtime));
		for (const piece of piecesOf(file.content)) {
			await put(typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
			await breathe();
		}
		await put(Buffer.alloc((512 - (size % 512)) % 512));
	}
	await put(Buffer.alloc(1024));
	out.end();
}

/** The archive's bytes (gzipped). */
export async function tarGz(files: readonly TarFile[], mtime = Date.now()): Promise<Buffer> {
	const gzip = createGzip();
	const parts: Buffer[] = [];
	gzip.on('data', (chunk: Buffer) => parts.push(chunk));
	const done = once(gzip, 'end');
	await writeArchive(files, mtime, gzip);
	await done;
	return Buffer.concat(parts);
}

/** Writes the archive to `path` as it is made (gzip by zlib off the main thread); its size in bytes. */
export async function writeTarGz(path: string, files: readonly TarFile[], mtime = Date.now()): Promise<number> {
	await mkdir(dirname(path), {recursive: true});
	// Level 1: log text still shrinks about 20 times, at several times the speed of the default.
	const gzip = createGzip({level: 1});
	const done = pipeline(gzip, createWriteStream(path, {mode: 0o600}));
	await Promise.all([writeArchive(files, mtime, gzip), done]);
	return (await stat(path)).size;
}
