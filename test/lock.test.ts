import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtemp, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {acquireLock, lockPathFor} from '../source/core/lock.ts';

async function tempConfig() {
	const dir = await mkdtemp(join(tmpdir(), 'lock-test-'));
	const config = join(dir, 'canary.conf');
	await writeFile(config, 'upstream x { server a:1; }\n');
	return {dir, config, cleanup: () => rm(dir, {recursive: true, force: true})};
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ['-e', '0']);
	await new Promise((resolve) => child.on('exit', resolve));
	return child.pid!;
}

test('a second console is refused and told who holds the lock', async () => {
	const {config, cleanup} = await tempConfig();
	try {
		const first = await acquireLock(config, {identity: {user: 'alice', host: hostname(), pid: process.pid}});
		assert.equal(first.ok, true);
		const held = JSON.parse(await readFile(lockPathFor(config), 'utf8'));
		assert.equal(held.user, 'alice');
		assert.equal(held.pid, process.pid);
		const second = await acquireLock(config, {identity: {user: 'bob', host: hostname(), pid: process.pid + 1}});
		assert.equal(second.ok, false);
		if (second.ok) return;
		assert.equal(second.holder?.user, 'alice');
		assert.equal(second.holder?.pid, process.pid);
		assert.match(second.message, /alice@.* \(pid \d+\)/);
		if (first.ok) await first.release();
		await assert.rejects(stat(lockPathFor(config)), {code: 'ENOENT'});
		const third = await acquireLock(config);
		assert.equal(third.ok, true);
		if (third.ok) await third.release();
	} finally {
		await cleanup();
	}
});

test('a lock left by a dead process on this host is taken over', async () => {
	const {config, cleanup} = await tempConfig();
	try {
		const pid = await deadPid();
		await writeFile(lockPathFor(config), JSON.stringify({user: 'carol', host: hostname(), pid, since: '2025-01-01T00:00:00.000Z', token: 'old'}));
		const taken = await acquireLock(config);
		assert.equal(taken.ok, true);
		const held = JSON.parse(await readFile(lockPathFor(config), 'utf8'));
		assert.equal(held.pid, process.pid);
		if (taken.ok) await taken.release();
	} finally {
		await cleanup();
	}
});

test('a lock from another host is respected until it is older than staleAfterMs', async () => {
	const {config, cleanup} = await tempConfig();
	try {
		const path = lockPathFor(config);
		await writeFile(path, JSON.stringify({user: 'dave', host: 'elsewhere.example', pid: 1, since: new Date().toISOString(), token: 't'}));
		const refused = await acquireLock(config, {staleAfterMs: 60_000});
		assert.equal(refused.ok, false);
		assert.match(refused.ok ? '' : refused.message, /dave@elsewhere\.example/);
		const old = new Date(Date.now() - 120_000);
		await utimes(path, old, old);
		const taken = await acquireLock(config, {staleAfterMs: 60_000});
		assert.equal(taken.ok, true);
		if (taken.ok) await taken.release();
	} finally {
		await cleanup();
	}
});

test('release never removes a lock someone else took over', async () => {
	const {config, cleanup} = await tempConfig();
	try {
		const mine = await acquireLock(config);
		assert.ok(mine.ok);
		const theirs = JSON.stringify({user: 'erin', host: hostname(), pid: process.pid, since: new Date().toISOString(), token: 'other'});
		await writeFile(lockPathFor(config), theirs);
		await mine.release();
		assert.equal(await readFile(lockPathFor(config), 'utf8'), theirs);
	} finally {
		await cleanup();
	}
});
