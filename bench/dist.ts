import {execFile} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {promisify} from 'node:util';

// The bench measures what users run: dist/ when it is fresh (bin/canary-console.js would
// otherwise fall back to the sources through tsx). A stale or missing build is rebuilt first.

const run = promisify(execFile);

export function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const path = join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
	}
	return newest;
}

/** The same test as bin/canary-console.js. */
export function distIsFresh(root: string): boolean {
	const built = join(root, 'dist', 'cli.js');
	return existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(root, 'source'));
}

export async function ensureBuilt(root: string): Promise<'fresh' | 'rebuilt'> {
	if (distIsFresh(root)) return 'fresh';
	await run('npm', ['run', 'build'], {cwd: root, maxBuffer: 1 << 24});
	if (!distIsFresh(root)) throw new Error('npm run build finished but dist/cli.js is still older than the sources');
	return 'rebuilt';
}
