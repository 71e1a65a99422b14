// Run by `npm ci` (the prepare script): bounds Ink's text caches in node_modules. See
// source/ui/ink-patches.ts for why; without it the console falls back to a module hook.
import {patchInstalledInk} from '../source/ui/ink-patches.ts';

try {
	for (const line of patchInstalledInk()) process.stdout.write(`canary-console: ${line}\n`);
} catch (error) {
	process.stdout.write(`canary-console: Ink not patched (${(error as Error).message}); the console will patch it as it loads\n`);
}
