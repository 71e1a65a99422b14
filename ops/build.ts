// `npm run build`: bundles the console into dist/ with esbuild. The CLI and everything its
// screen loads are split into a few chunks, so a start reads a handful of files instead of
// some 500 modules (Ink and its dependencies): about 280 ms less to the first frame (measured).
// Ink's bounded caches (source/ui/ink-patches.ts) go into the bundle as it is made; nothing in
// node_modules/ is written, and a file that is not the one a change was written for stops the
// build. The lab engine's metrics stay a plain import: it is not on the way to the first
// frame.
import {build, type Plugin} from 'esbuild';
import {readFile, rm} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {applyEdit, EDITS, PATCHES, patchTargets, sha256} from '../source/ui/ink-patches.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

const inkPatches: Plugin = {
	name: 'ink-patches',
	setup(b) {
		const targets = Object.entries(patchTargets()).filter(([suffix]) => PATCHES[suffix] || EDITS[suffix]);
		const seen = new Set<string>();
		b.onLoad({filter: /\.js$/}, async (args) => {
			const target = targets.find(([, path]) => path === args.path);
			if (!target) return undefined;
			const [suffix] = target;
			const change = PATCHES[suffix] ?? EDITS[suffix]!;
			const text = await readFile(args.path, 'utf8');
			if (sha256(text) !== change.sha256) {
				throw new Error(`${args.path} is not ${change.package}@${change.version}'s file the change was written for (sha256 ${change.sha256}): install the version package.json pins`);
			}
			seen.add(suffix);
			const edit = EDITS[suffix];
			return {contents: edit ? applyEdit(text, edit) : PATCHES[suffix]!.source, loader: 'js'};
		});
		b.onEnd((result) => {
			const missed = targets.filter(([suffix]) => !seen.has(suffix)).map(([, path]) => path);
			if (result.errors.length === 0 && missed.length > 0) {
				return {errors: [{text: `the bundle does not load ${missed.join(', ')}: the Ink changes did not go in`}]};
			}
			return undefined;
		});
	},
};

// Ink's Output class is patched at run time (source/ui/ink-output-cache.ts): in the bundle it
// must be the very module Ink uses, so its import becomes a plain one esbuild resolves to the
// same file.
const inkOutput: Plugin = {
	name: 'ink-output',
	setup(b) {
		const output = join(dirname(createRequire(join(root, 'package.json')).resolve('ink')), 'output.js');
		b.onLoad({filter: /ink-output-module\.ts$/}, () => ({contents: `export const importInkOutput = () => import(${JSON.stringify(output)});`, loader: 'ts'}));
	},
};

// Ink loads its devtools only with DEV=true, from a package that is not installed.
const noDevtools: Plugin = {
	name: 'no-devtools',
	setup(b) {
		b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'stub'}));
		b.onLoad({filter: /.*/, namespace: 'stub'}, () => ({contents: 'export default {connectToDevTools() {}};', loader: 'js'}));
	},
};

// Docker's client goes into the bundle, but the packages it requires at load for what the
// console never does here (building images: BuildKit's gRPC session, protobuf, tar; hosts
// over ssh: ssh2 and its native parts) load on first use: a console attached to Docker
// starts with about 20 MB less memory and 190 ms less loading (measured). Each becomes a stub
// that requires the real package (from node_modules, as before) when first touched.
const LAZY_DOCKER_PARTS = /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs|tar-fs|@balena\/dockerignore|ssh2)$/;
const lazyDockerParts: Plugin = {
	name: 'lazy-docker-parts',
	setup(b) {
		b.onResolve({filter: LAZY_DOCKER_PARTS}, (args) => (args.namespace === 'lazy' ? {path: args.path, external: true} : {path: args.path, namespace: 'lazy'}));
		b.onLoad({filter: /.*/, namespace: 'lazy'}, (args) => {
			const load = `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));`;
			// docker-modem reads ssh2's Client at load: a constructor that builds the real one.
			if (args.path === 'ssh2') return {contents: `${load}\nmodule.exports = {Client: function Client(...a) { return new (load().Client)(...a); }};`, loader: 'js'};
			return {contents: `${load}\nmodule.exports = new Proxy({}, {get: (_, key) => load()[key], has: (_, key) => key in load()});`, loader: 'js'};
		});
	},
};

// `npm pack` runs prepack, which builds, and then prepare (`--unless-packing`): build once.
if (process.argv.includes('--unless-packing') && ['pack', 'publish'].includes(process.env.npm_command ?? '')) process.exit(0);

await rm(outdir, {recursive: true, force: true});
const result = await build({
	absWorkingDir: root,
	entryPoints: {cli: 'source/cli.tsx'},
	outdir,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20.19',
	jsx: 'automatic',
	chunkNames: 'chunks/[name]-[hash]',
	external: ['prom-client'],
	// CommonJS dependencies bundled into ES modules call require() for Node's built-ins.
	banner: {js: "import {createRequire as __canaryCreateRequire} from 'node:module'; const require = __canaryCreateRequire(import.meta.url);"},
	plugins: [inkPatches, inkOutput, noDevtools, lazyDockerParts],
	logLevel: 'warning',
	metafile: true,
});
const files = Object.keys(result.metafile.outputs);
process.stdout.write(`canary-console: built ${files.length} files into dist/\n`);
