#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=50 --liftoff-only --interrupt-budget=270336
// Runs the build (dist/: made by `npm pack` for the package, by `npm ci` in a checkout). An
// installed package has no sources and needs nothing else. In a checkout the build runs when
// it is at least as new as every source file; otherwise (an edited checkout, or `npm ci
// --ignore-scripts`, which builds nothing) the TypeScript sources run through tsx, a
// devDependency, so an edited clone never runs stale code. The build starts faster and uses
// less memory.
import {existsSync, readdirSync, statSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {dirname, join} from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist', 'cli.js');
const sources = join(root, 'source');

function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const path = join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
	}
	return newest;
}

function fail(message) {
	process.stderr.write(`canary-console: ${message}\n`);
	process.exit(1);
}

const hasSources = existsSync(join(sources, 'cli.tsx'));
if (existsSync(built) && (!hasSources || statSync(built).mtimeMs >= newestSource(sources))) {
	await import(new URL('../dist/cli.js', import.meta.url).href);
} else if (hasSources) {
	let tsx;
	try {
		tsx = await import('tsx/esm/api');
	} catch {
		fail(`${existsSync(built) ? 'dist/ is older than source/' : 'dist/ is missing'} and tsx (a devDependency) is not installed: run \`npm ci\` (or \`npm run build\`) in ${root}`);
	}
	// source/cli.tsx registers the module hook that applies Ink's changes before Ink loads.
	tsx.register();
	await import('../source/cli.tsx');
} else {
	fail(`this installation has no dist/ (the package is built by \`npm pack\`): reinstall canary-console`);
}
