#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=50
// Runs the build (dist/, made by `npm ci` through the prepare script) when it is at least as
// new as every source file; otherwise the TypeScript sources through tsx, so an edited clone
// never runs stale code. The build starts faster and uses less memory.
import {existsSync, readdirSync, statSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {join} from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli.js');

function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const path = join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
	}
	return newest;
}

if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(root, 'source'))) {
	await import(new URL('../dist/cli.js', import.meta.url).href);
} else {
	const {register} = await import('tsx/esm/api');
	register();
	await import('../source/cli.tsx');
}
