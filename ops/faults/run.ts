// `npm run test:faults`: runs the fuzz suite and the fault matrix with Node's test runner,
// then prints the matrix (fault, expected behaviour, result) and the fuzz inputs per parser.
// Exit code 1 when any test failed or a matrix row's test did not run.

import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {FUZZ_FILES, MATRIX} from '../../test/faults/matrix.ts';

const root = join(import.meta.dirname, '..', '..');
const work = await mkdtemp(join(tmpdir(), 'canary-faults-run-'));
const summary = join(work, 'fuzz.jsonl');
const docker = new Set(MATRIX.filter((row) => row.file?.startsWith('test/e2e/')).map((row) => row.file!));
const faultFiles = [...new Set(MATRIX.map((row) => row.file).filter((f): f is string => f !== null && !docker.has(f)))];
const files = [...FUZZ_FILES, ...faultFiles].filter((file) => existsSync(join(root, file)));

const results = new Map<string, boolean>();
const failures: string[] = [];
const code = await new Promise<number>((resolve) => {
	const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=1', ...files], {
		cwd: root,
		env: {...process.env, FUZZ_SUMMARY: summary},
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let buffer = '';
	child.stdout.on('data', (chunk: Buffer) => {
		buffer += chunk.toString();
		let newline: number;
		while ((newline = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, newline);
			buffer = buffer.slice(newline + 1);
			const match = /^\s*(not ok|ok) \d+ - (.*?)(?: # (?:SKIP|TODO).*)?$/.exec(line);
			if (match) {
				const name = match[2]!.replace(/\\#/g, '#').replace(/\\\\/g, '\\');
				results.set(name, match[1] === 'ok');
				if (match[1] === 'not ok') failures.push(name);
				process.stdout.write(`${match[1] === 'ok' ? 'pass' : 'FAIL'}  ${name}\n`);
			} else if (/^\s*# (fuzz-inputs|Got |Error)/.test(line)) {
				process.stdout.write(`      ${line.trim()}\n`);
			} else if (/^\s+(error|AssertionError|Counterexample|Got )/.test(line)) {
				process.stdout.write(`      ${line.trim().slice(0, 300)}\n`);
			}
		}
	});
	child.on('exit', (exitCode) => resolve(exitCode ?? 1));
});

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
process.stdout.write('\nFault matrix\n');
process.stdout.write(`${cut('fault', 44)} ${cut('expected', 70)} result\n`);
let missing = 0;
for (const row of MATRIX) {
	let result: string;
	if (row.file === null) result = `PENDING (${row.note ?? 'no test'})`;
	else if (docker.has(row.file)) result = `e2e (${row.file}; npm run test:e2e)`;
	else if (!results.has(row.test!)) {
		result = 'NOT RUN';
		missing++;
	} else result = results.get(row.test!) ? 'pass' : 'FAIL';
	process.stdout.write(`${cut(row.fault, 44)} ${cut(row.expected, 70)} ${result}\n`);
}

const totals = new Map<string, number>();
const detail = new Map<string, number>();
const text = await readFile(summary, 'utf8').catch(() => '');
for (const line of text.split('\n').filter(Boolean)) {
	const {parser, inputs} = JSON.parse(line) as {parser: string; inputs: number};
	// "prometheus (mutated real pages)" is a part of "prometheus": keep both views.
	if (parser.includes('(')) detail.set(parser, (detail.get(parser) ?? 0) + inputs);
	else totals.set(parser, (totals.get(parser) ?? 0) + inputs);
}
for (const [parser, inputs] of detail) if (![...totals.keys()].some((p) => parser.startsWith(`${p} `))) totals.set(parser, inputs);
process.stdout.write('\nFuzz inputs per parser (this run)\n');
for (const [parser, inputs] of [...totals].sort()) process.stdout.write(`  ${cut(parser, 44)} ${String(inputs).padStart(8)}${inputs < 10_000 ? '  (< 10,000)' : ''}\n`);
await rm(work, {recursive: true, force: true});

if (failures.length > 0) process.stdout.write(`\n${failures.length} failing: ${failures.join('; ')}\n`);
process.exit(code !== 0 || missing > 0 || failures.length > 0 ? 1 : 0);
