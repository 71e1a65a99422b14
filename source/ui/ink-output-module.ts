import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';

// Ink's Output module, found next to Ink's entry (Ink does not export it). The bundle
// (ops/build.ts) swaps this file for a plain import of the same module Ink itself uses.
export function importInkOutput(): Promise<unknown> {
	const require = createRequire(import.meta.url);
	return import(pathToFileURL(join(dirname(require.resolve('ink')), 'output.js')).href);
}
