import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createServer, type Server} from 'node:http';
import {readFile, writeFile} from 'node:fs/promises';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {findUpstream, formatSplit, readSplit, renderSplit, type Roles} from '../../source/domain/upstream.ts';
import {renderLabConfig} from '../../source/lab/lab-config.ts';
import {startBalancer} from '../../source/lab/balancer.ts';
import {sampleSplit} from '../../source/adapters/split-sampler.ts';
import {tempDir} from './harness.ts';
import type {DriverSetup} from './weight-driver.ts';

// A weight change interrupted at each of its steps. The console (the headless `weights 50/50
// --yes` in its own process) is signalled while it holds a step; the balancer and the engines
// live here, outside it, as nginx and the containers live outside the console. Afterwards: the
// config file is the complete old or new text, the balancer serves what the file says, and the
// audit log's last line says which one is in place.

const STEPS = ['lock', 'read', 'render', 'check-seen', 'backup', 'write', 'read-back', 'validate', 'reload', 'confirm-seen', 'verify'];
const DRIVER = join(import.meta.dirname, 'weight-driver.ts');
const UPSTREAM = 'involution_engine';
const OLD = {stable: 90, canary: 10};
const NEW = {stable: 50, canary: 50};
const SIGNAL_CODES: Record<string, number> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143};
const FINAL = new Set(['verified', 'not-verified', 'failed', 'refused', 'restored', 'cancelled']);
/** Runs in flight at once: each is one small node process. */
const PARALLEL = 3;

let engines: Server[] = [];
let roles: Roles = {stable: '', canary: ''};

function engine(version: string): Promise<Server> {
	const server = createServer((_req, res) => {
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({status: 'healthy', version, pool: {queue_depth: 0}}));
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const address = (server: Server) => `127.0.0.1:${(server.address() as AddressInfo).port}`;

before(async () => {
	engines = await Promise.all([engine('1.1.0'), engine('1.2.0')]);
	roles = {stable: address(engines[0]!), canary: address(engines[1]!)};
	// All runs start at once (each test awaits its own): the queue never idles between tests.
	for (const signal of SIGNALS) {
		const run = everyStep(signal);
		run.catch(() => {});
		runs.set(signal, run);
	}
});

after(async () => {
	for (const server of engines) server.closeAllConnections();
	await Promise.all(engines.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Outcome {
	step: string;
	signal: string;
	code: number | null;
	stderr: string;
	stdout: string;
	/** 'old', 'new', or what else the file holds. */
	file: string;
	/** The split the balancer serves after the console is gone, from 100 requests through it. */
	serving: string;
	audit: {outcome: string; from: string; to: string}[];
}

/** One run: a fresh file and balancer, the console started, signalled when it holds `step`. */
async function interruptAt(step: string, signal: NodeJS.Signals): Promise<Outcome> {
	const {dir, remove} = await tempDir();
	const configPath = join(dir, 'canary.conf');
	const auditPath = join(dir, 'audit.jsonl');
	const oldText = renderLabConfig({upstream: UPSTREAM, ...roles, split: OLD, listenPort: 0});
	const rendered = renderSplit(oldText, UPSTREAM, roles, NEW);
	assert.ok('text' in rendered, 'the new config renders');
	const newText = rendered.text;
	await writeFile(configPath, oldText);
	const balancer = await startBalancer({configPath, upstream: UPSTREAM, roles, port: 0});
	const control = createServer((_req, res) => {
		void balancer.reload().then((result) => res.end(JSON.stringify(result)));
	});
	await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
	try {
		const setup: DriverSetup = {
			configPath,
			auditPath,
			stateDir: join(dir, 'state'),
			roles,
			urls: {balancer: `http://127.0.0.1:${balancer.port}`, stable: `http://${roles.stable}`, canary: `http://${roles.canary}`},
			reloadUrl: `http://${address(control)}/reload`,
			hold: step,
		};
		const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(setup)], {stdio: ['pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		let sent = false;
		// A killed console never reads its stdin.
		child.stdin.on('error', () => {});
		child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			if (!sent && stdout.includes(`STEP ${step}\n`)) {
				sent = true;
				child.kill(signal);
				// The signal is pending in the console now: let it go on with the step.
				child.stdin.end('x');
			}
		});
		const code = await new Promise<number | null>((resolve) => {
			// A console that neither finishes nor exits is a failure in itself: stop it and say so.
			const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
			child.once('exit', (exitCode, bySignal) => {
				clearTimeout(timer);
				resolve(exitCode ?? (bySignal ? -1 : null));
			});
		});
		assert.ok(sent, `${signal} at ${step}: the console ended before reaching the step (code ${code}): ${stdout}${stderr}`);
		const text = await readFile(configPath, 'utf8');
		const block = findUpstream(text, UPSTREAM, roles);
		const split = 'error' in block ? block : readSplit(block);
		const file = text === oldText ? 'old' : text === newText ? 'new' : `neither old nor new: ${'error' in split ? split.error : formatSplit(split)} ${JSON.stringify(text.slice(0, 200))}`;
		// By the version each engine reports: the guide's config names no engine in its answers.
		const sample = await sampleSplit({url: setup.urls.balancer, n: 100, roles, concurrency: 1, attribute: 'version', versions: {stable: '1.1.0', canary: '1.2.0'}});
		const serving = sample.errors > 0 || sample.unknown > 0 ? `unclear (${sample.errors} errors, ${sample.unknown} unknown: ${sample.firstError})` : `${sample.stable}/${sample.canary}`;
		const lines = (await readFile(auditPath, 'utf8').catch(() => '')).split('\n').filter(Boolean);
		const audit = lines.map((line) => JSON.parse(line) as {outcome: string; from: string; to: string});
		return {step, signal, code, stderr, stdout, file, serving, audit};
	} finally {
		await new Promise((resolve) => control.close(resolve));
		await balancer.close();
		await remove();
	}
}

// One queue for all runs of the file: a few small node processes at a time keep both cores busy
// without starving the timing of any one run.
let slots = PARALLEL;
const waiting: (() => void)[] = [];
async function limited<T>(run: () => Promise<T>): Promise<T> {
	if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
	else slots--;
	try {
		return await run();
	} finally {
		const next = waiting.shift();
		if (next) next();
		else slots++;
	}
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const;
const runs = new Map<string, Promise<Outcome[]>>();

/** Every step with one signal; the results come back in step order. */
function everyStep(signal: NodeJS.Signals): Promise<Outcome[]> {
	return Promise.all(STEPS.map((step) => limited(() => interruptAt(step, signal))));
}
const splitOf = (file: string) => (file === 'old' ? formatSplit(OLD) : file === 'new' ? formatSplit(NEW) : file);

/** The rule for any interruption: a complete file, and an audit log that says which one. */
function inconsistencies(o: Outcome): string[] {
	const at = `${o.signal} at ${o.step}`;
	const problems: string[] = [];
	if (o.file !== 'old' && o.file !== 'new') problems.push(`${at}: the config file is ${o.file}`);
	if (o.serving !== formatSplit(OLD) && o.serving !== formatSplit(NEW)) problems.push(`${at}: the balancer serves ${o.serving}, neither the old nor the new split`);
	const last = o.audit.at(-1);
	if (!last) {
		if (o.file !== 'old') problems.push(`${at}: the file changed (${o.file}) but the audit log is empty`);
		return problems;
	}
	if (last.from !== formatSplit(OLD) || last.to !== formatSplit(NEW)) problems.push(`${at}: audit line ${last.from} -> ${last.to}, expected 90/10 -> 50/50`);
	if (last.outcome === 'started') return problems;
	if (!FINAL.has(last.outcome)) problems.push(`${at}: unknown audit outcome "${last.outcome}"`);
	const says = ['verified', 'not-verified'].includes(last.outcome) ? last.to : last.from;
	if (says !== splitOf(o.file)) problems.push(`${at}: audit says ${last.outcome} (${says} in place), the file is ${splitOf(o.file)}`);
	if (o.serving !== splitOf(o.file)) problems.push(`${at}: audit says ${last.outcome}, the file is ${splitOf(o.file)}, the balancer serves ${o.serving}`);
	return problems;
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
	test(`${signal} at each step of a weight change leaves a complete config and an audit log that says which`, async () => {
		const outcomes = await runs.get(signal)!;
		const problems: string[] = [];
		for (const o of outcomes) {
			const at = `${signal} at ${o.step}`;
			problems.push(...inconsistencies(o));
			// The headless command lets the change in flight finish, then exits: a complete change,
			// verified, recorded, and served.
			if (!o.stderr.includes('finishing the weight change in progress first')) problems.push(`${at}: the console did not say it finishes the change first (stderr: ${o.stderr.slice(0, 200)})`);
			if (o.code !== 0 && o.code !== SIGNAL_CODES[signal]) problems.push(`${at}: exit code ${o.code}`);
			if (o.audit.at(-1)?.outcome !== 'verified') problems.push(`${at}: audit log ends on "${o.audit.at(-1)?.outcome}", expected verified`);
			if (o.audit.at(-2)?.outcome !== 'started') problems.push(`${at}: no 'started' line before the outcome`);
			if (o.file !== 'new') problems.push(`${at}: the file is ${o.file}, expected the new config`);
			if (o.serving !== formatSplit(NEW)) problems.push(`${at}: the balancer serves ${o.serving}, expected 50/50`);
		}
		assert.deepEqual(problems, []);
	});
}

test('SIGKILL at each step of a weight change leaves a complete config and an audit log that started or ended', async () => {
	const outcomes = await runs.get('SIGKILL')!;
	const problems: string[] = [];
	for (const o of outcomes) {
		problems.push(...inconsistencies(o));
		// Nothing runs after SIGKILL: the process dies holding the step, with no final line.
		if (o.code !== -1) problems.push(`SIGKILL at ${o.step}: exit code ${o.code}, expected death by signal`);
	}
	assert.deepEqual(problems, []);
	// The kill lands at the start of the held step, so where the file and the audit log stand is known.
	const before = (step: string) => STEPS.indexOf(step);
	for (const o of outcomes) {
		const wrote = before(o.step) > before('write');
		const reloaded = before(o.step) > before('reload');
		const started = before(o.step) > before('check-seen');
		assert.equal(o.file, wrote ? 'new' : 'old', `SIGKILL at ${o.step}: file`);
		assert.equal(o.serving, formatSplit(reloaded ? NEW : OLD), `SIGKILL at ${o.step}: balancer`);
		assert.deepEqual(o.audit.map((line) => line.outcome), started ? ['started'] : [], `SIGKILL at ${o.step}: audit log`);
	}
});
