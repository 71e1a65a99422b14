// One writer per deployment: a lock file in the deployment's state directory (state-dir.ts),
// created with O_EXCL so two consoles (or a console and a pipeline) can never interleave their
// writes and reloads. Not beside the config: nginx reads that directory.

import {randomUUID} from 'node:crypto';
import {mkdir, open, readFile, stat, unlink} from 'node:fs/promises';
import {hostname} from 'node:os';
import {join} from 'node:path';
import type {LockHolder, LockResult} from '../../core/change/ports.ts';
import {currentUser} from '../../core/change/audit.ts';

export type {LockHolder, LockResult} from '../../core/change/ports.ts';
export {currentUser} from '../../core/change/audit.ts';

export interface LockOptions {
	/** A lock from another host older than this is taken over (its pid cannot be checked). Default 10 min. */
	staleAfterMs?: number;
	now?: () => number;
	/** Who we are; defaults to this process. Tests pass another identity to stand in for a second console. */
	identity?: {user: string; host: string; pid: number};
}

/** A lock file that stays unparsable this long is a crash between create and write. */
const UNREADABLE_GRACE_MS = 5_000;

export function lockPathFor(stateDir: string): string {
	return join(stateDir, 'weights.lock');
}

export function describeHolder(holder: LockHolder): string {
	return `${holder.user}@${holder.host} (pid ${holder.pid}) since ${holder.since}`;
}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: the process exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code !== 'ESRCH';
	}
}

function parseHolder(text: string): (LockHolder & {token?: string}) | null {
	try {
		const value = JSON.parse(text) as Record<string, unknown>;
		if (typeof value.user !== 'string' || typeof value.host !== 'string' || typeof value.pid !== 'number' || typeof value.since !== 'string') return null;
		return {user: value.user, host: value.host, pid: value.pid, since: value.since, token: typeof value.token === 'string' ? value.token : undefined};
	} catch {
		return null;
	}
}

async function tryCreate(path: string, content: string): Promise<boolean> {
	let handle: Awaited<ReturnType<typeof open>>;
	try {
		handle = await open(path, 'wx', 0o644);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	}
	try {
		await handle.writeFile(content);
		await handle.sync();
	} finally {
		await handle.close();
	}
	return true;
}

/** Why an existing lock may be taken over, or null when its holder must be respected. */
function staleReason(holder: LockHolder | null, ageMs: number, me: {host: string}, staleAfterMs: number): string | null {
	if (!holder) return ageMs > UNREADABLE_GRACE_MS ? 'unreadable lock file' : null;
	if (holder.host === me.host) return pidAlive(holder.pid) ? null : `pid ${holder.pid} is no longer running`;
	return ageMs > staleAfterMs ? `older than ${Math.round(staleAfterMs / 1000)} s` : null;
}

/** Takes the lock of the deployment whose state directory is `stateDir` (created when missing). */
export async function acquireLock(stateDir: string, options: LockOptions = {}): Promise<LockResult> {
	const path = lockPathFor(stateDir);
	const now = options.now ?? Date.now;
	const staleAfterMs = options.staleAfterMs ?? 10 * 60_000;
	const me = options.identity ?? {user: currentUser(), host: hostname(), pid: process.pid};
	const token = randomUUID();
	const holder: LockHolder = {...me, since: new Date(now()).toISOString()};
	const content = JSON.stringify({...holder, token}) + '\n';

	try {
		await mkdir(stateDir, {recursive: true});
	} catch (error) {
		return {ok: false, path, holder: null, message: `cannot create the state directory ${stateDir}: ${(error as Error).message}`};
	}
	// Two rounds: the second follows the removal of a stale lock.
	for (let round = 0; round < 2; round++) {
		try {
			if (await tryCreate(path, content)) {
				// A concurrent takeover of the same stale lock may have replaced ours: check we own it.
				const back = parseHolder(await readFile(path, 'utf8'));
				if (back?.token !== token) return {ok: false, path, holder: back, message: `another console took the lock at the same moment: ${back ? describeHolder(back) : 'unknown holder'}`};
				return {ok: true, path, holder, release: () => releaseLock(path, token)};
			}
		} catch (error) {
			return {ok: false, path, holder: null, message: `cannot create the lock ${path}: ${(error as Error).message}`};
		}
		let text = '';
		let ageMs = 0;
		try {
			text = await readFile(path, 'utf8');
			const info = await stat(path);
			ageMs = now() - info.mtimeMs;
		} catch (error) {
			// Released between our create and our read: try again.
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
			return {ok: false, path, holder: null, message: `cannot read the lock ${path}: ${(error as Error).message}`};
		}
		const other = parseHolder(text);
		const plain: LockHolder | null = other ? {user: other.user, host: other.host, pid: other.pid, since: other.since} : null;
		const reason = round === 0 ? staleReason(plain, ageMs, me, staleAfterMs) : null;
		if (!reason) {
			const who = plain ? describeHolder(plain) : 'an unreadable lock file';
			return {ok: false, path, holder: plain, message: `weights are being changed by ${who}; lock ${path}`};
		}
		try {
			await unlink(path);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return {ok: false, path, holder: plain, message: `cannot remove the stale lock ${path} (${reason}): ${(error as Error).message}`};
		}
	}
	return {ok: false, path, holder: null, message: `could not take the lock ${path}`};
}

async function releaseLock(path: string, token: string): Promise<void> {
	// Never remove a lock that someone else took over in the meantime.
	try {
		const back = parseHolder(await readFile(path, 'utf8'));
		if (back?.token === token) await unlink(path);
	} catch {
		// Already gone: nothing to release.
	}
}
