// A .tar.gz of a few text files, written without a dependency: ustar headers (POSIX 1003.1),
// gzip by zlib off the main thread, so a bundle of a busy quarter of an hour does not stall
// the screen.

import {mkdir, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import {promisify} from 'node:util';
import {gzip} from 'node:zlib';

export interface TarFile {
	/** Path inside the archive, at most 100 bytes. */
	name: string;
	content: string | Buffer;
}

const gzipAsync = promisify(gzip);

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

/** The archive's bytes (gzipped). */
export async function tarGz(files: readonly TarFile[], mtime = Date.now()): Promise<Buffer> {
	const parts: Buffer[] = [];
	for (const file of files) {
		const body = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
		parts.push(header(file.name, body.length, mtime), body, Buffer.alloc((512 - (body.length % 512)) % 512));
	}
	parts.push(Buffer.alloc(1024));
	return gzipAsync(Buffer.concat(parts));
}

export async function writeTarGz(path: string, files: readonly TarFile[], mtime?: number): Promise<number> {
	const bytes = await tarGz(files, mtime);
	await mkdir(dirname(path), {recursive: true});
	await writeFile(path, bytes, {mode: 0o600});
	return bytes.length;
}
