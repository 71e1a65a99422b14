import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {findUpstream, readSplit} from '../../source/domain/upstream.ts';
import {tempDir} from './harness.ts';

// A weight change interrupted at each of its steps: the config file must be the complete old
// or the complete new text, and the audit log's last line must say which one is in place.

const STEPS = ['lock', 'read', 'render', 'check-seen', 'backup', 'write', 'read-back', 'validate', 'reload', 'confirm-seen', 'verify'];
const DRIVER = join(import.meta.dirname, 'weight-driver.ts');

let ROLES = {stable: '', canary: ''};

async function interruptAt(step: string, signal: NodeJS.Signals): Promise<string[]> {
	const {dir, remove} = await tempDir();
	const auditPath = join(dir, 'audit.jsonl');
	const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, dir, auditPath], {stdio: ['ignore', 'pipe', 'pipe']});
	let out = '';
	let pids: number[] = [];
	let configPath = '';
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`step ${step} never started: ${out}`)), 30_000);
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			pids = /PIDS ([\d ]+)/.exec(out)?.[1]!.trim().split(' ').map(Number) ?? pids;
			configPath = /CONFIG (.+)/.exec(out)?.[1] ?? configPath;
			const roles = /ROLES (\S+) (\S+)/.exec(out);
			if (roles) ROLES = {stable: roles[1]!, canary: roles[2]!};
			if (out.includes(`STEP ${step}\n`)) {
				clearTimeout(timer);
				child.kill(signal);
				resolve();
			}
		});
		child.once('exit', () => {
			clearTimeout(timer);
			if (!out.includes(`STEP ${step}\n`)) reject(new Error(`driver exited before step ${step}: ${out}`));
		});
	});
	await exited;
	// The lab's children outlive a killed console: stop them by pid.
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
	const problems: string[] = [];
	try {
		const text = await readFile(configPath, 'utf8');
		const block = findUpstream(text, 'involution_engine', ROLES);
		const split = 'error' in block ? block : readSplit(block);
		const now = 'error' in split ? `garbage (${split.error})` : `${split.stable}/${split.canary}`;
		if (now !== '90/10' && now !== '50/50') problems.push(`${signal} at ${step}: config is ${now}`);
		const lines = (await readFile(auditPath, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
		const last = lines.length ? (JSON.parse(lines.at(-1)!) as {outcome: string}) : null;
		// The last line must say which config is in place: a change that began (started) must end with an outcome.
		const says = last === null ? '90/10' : ['verified', 'not-verified'].includes(last.outcome) ? '50/50' : ['failed', 'refused', 'restored', 'cancelled'].includes(last.outcome) ? '90/10' : `unknown (last outcome "${last.outcome}")`;
		if (says !== now) problems.push(`${signal} at ${step}: config ${now}, audit log says ${says}`);
	} finally {
		await remove();
	}
	return problems;
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
	test(`${signal} at each step of a weight change leaves a complete config and an audit log that says which`, async () => {
		// Each run starts a lab (about 10 s): the three signals split the steps between them, so
		// every step is interrupted once per run and the whole file stays near two minutes.
		const offset = signal === 'SIGTERM' ? 0 : signal === 'SIGINT' ? 1 : 2;
		const steps = STEPS.filter((_, i) => i % 3 === offset);
		const problems: string[] = [];
		for (const step of steps) problems.push(...(await interruptAt(step, signal)));
		assert.deepEqual(problems, []);
	});
}
