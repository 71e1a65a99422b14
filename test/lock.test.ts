import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {acquireLock, lockPathFor} from '../source/adapters/files/lock.ts';

/** A deployment's state directory; with create:false not there yet (taking the lock creates it). */
async function tempState({create = true} = {}) {
	const dir = await mkdtemp(join(tmpdir(), 'lock-test-'));
	const stateDir = join(dir, 'state', 'deployment');
	if (create) await mkdir(stateDir, {recursive: true});
	return {dir, stateDir, cleanup: () => rm(dir, {recursive: true, force: true})};
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ['-e', '0']);
	await new Promise((resolve) => child.on('exit', resolve));
	return child.pid!;
}

test('a second console is refused and told who holds the lock', async () => {
	const {stateDir, cleanup} = await tempState({create: false});
	try {
		const first = await acquireLock(stateDir, {identity: {user: 'alice', host: hostname(), pid: process.pid}});
		assert.equal(first.ok, true);
		const held = JSON.parse(await readFile(lockPathFor(stateDir), 'utf8'));
		assert.equal(held.user, 'alice');
		assert.equal(held.pid, process.pid);
		const second = await acquireLock(stateDir, {identity: {user: 'bob', host: hostname(), pid: process.pid + 1}});
		assert.equal(second.ok, false);
		if (second.ok) return;
		assert.equal(second.holder?.user, 'alice');
		assert.equal(second.holder?.pid, process.pid);
		assert.match(second.message, /alice@.* \(pid \d+\)/);
		if (first.ok) await first.release();
		await assert.rejects(stat(lockPathFor(stateDir)), {code: 'ENOENT'});
		const third = await acquireLock(stateDir);
		assert.equal(third.ok, true);
		if (third.ok) await third.release();
	} finally {
		await cleanup();
	}
});

test('a lock left by a dead process on this host is taken over', async () => {
	const {stateDir, cleanup} = await tempState();
	try {
		const pid = await deadPid();
		await writeFile(lockPathFor(stateDir), JSON.stringify({user: 'carol', host: hostname(), pid, since: '2025-01-01T00:00:00.000Z', token: 'old'}));
		const taken = await acquireLock(stateDir);
		assert.equal(taken.ok, true);
		const held = JSON.parse(await readFile(lockPathFor(stateDir), 'utf8'));
		assert.equal(held.pid, process.pid);
		if (taken.ok) await taken.release();
	} finally {
		await cleanup();
	}
});

test('a lock from another host is respected until it is older than staleAfterMs', async () => {
	const {stateDir, cleanup} = await tempState();
	try {
		const path = lockPathFor(stateDir);
		await writeFile(path, JSON.stringify({user: 'dave', host: 'elsewhere.example', pid: 1, since: new Date().toISOString(), token: 't'}));
		const refused = await acquireLock(stateDir, {staleAfterMs: 60_000});
		assert.equal(refused.ok, false);
		assert.match(refused.ok ? '' : refused.message, /dave@elsewhere\.example/);
		const old = new Date(Date.now() - 120_000);
		await utimes(path, old, old);
		const taken = await acquireLock(stateDir, {staleAfterMs: 60_000});
		assert.equal(taken.ok, true);
		if (taken.ok) await taken.release();
	} finally {
		await cleanup();
	}
});

test('release never removes a lock someone else took over', async () => {
	const {stateDir, cleanup} = await tempState();
	try {
		const mine = await acquireLock(stateDir);
		assert.ok(mine.ok);
		const theirs = JSON.stringify({user: 'erin', host: hostname(), pid: process.pid, since: new Date().toISOString(), token: 'other'});
		await writeFile(lockPathFor(stateDir), theirs);
		await mine.release();
		assert.equal(await readFile(lockPathFor(stateDir), 'utf8'), theirs);
	} finally {
		await cleanup();
	}
});
