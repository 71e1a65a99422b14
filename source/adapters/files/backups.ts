// Backups of the nginx config taken before each change: in the deployment's state directory,
// never beside the config (nginx reads that directory, and eleven .bak files in 25 minutes
// bury the one file that matters), and only the newest few are kept.

import {mkdir, readdir, unlink, writeFile} from 'node:fs/promises';
import {basename, join} from 'node:path';
import {backupsDir} from './state-dir.ts';
import type {Backup} from '../../core/change/ports.ts';

export type {Backup} from '../../core/change/ports.ts';

export const DEFAULT_BACKUPS_KEPT = 20;

export interface BackupOptions {
	stateDir: string;
	/** The config file backed up; its name starts the backup's. */
	configPath: string;
	keep?: number;
	now(): number;
}

/** `canary.conf.2025-06-01T12-00-00-000Z.bak`, `-1` before `.bak` for a second one in the same ms. */
const NAME = /^(?<stamp>\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z)(?:-(?<n>\d+))?\.bak$/;

export async function saveBackup(options: BackupOptions, text: string): Promise<Backup> {
	const dir = backupsDir(options.stateDir);
	await mkdir(dir, {recursive: true});
	const stamp = new Date(options.now()).toISOString().replace(/[:.]/g, '-');
	const base = join(dir, `${basename(options.configPath)}.${stamp}`);
	let path = '';
	for (let i = 0; ; i++) {
		path = `${base}${i ? `-${i}` : ''}.bak`;
		try {
			// 'wx': never overwrite an earlier backup.
			await writeFile(path, text, {flag: 'wx', flush: true});
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || i > 50) throw error;
		}
	}
	try {
		await prune(options.stateDir, basename(options.configPath), options.keep ?? DEFAULT_BACKUPS_KEPT);
		return {path};
	} catch (error) {
		return {path, pruneError: (error as Error).message};
	}
}

/** Backups of this config file, oldest first. */
export async function listBackups(stateDir: string, configName: string): Promise<string[]> {
	const dir = backupsDir(stateDir);
	const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
		if (error.code === 'ENOENT') return [] as string[];
		throw error;
	});
	const prefix = `${configName}.`;
	const found: {name: string; stamp: string; n: number}[] = [];
	for (const name of entries) {
		if (!name.startsWith(prefix)) continue;
		const match = NAME.exec(name.slice(prefix.length));
		if (match?.groups) found.push({name, stamp: match.groups.stamp!, n: Number(match.groups.n ?? 0)});
	}
	// By time, then by the same-millisecond counter (a name sort would put "-1.bak" first).
	found.sort((a, b) => (a.stamp === b.stamp ? a.n - b.n : a.stamp < b.stamp ? -1 : 1));
	return found.map((entry) => join(dir, entry.name));
}

async function prune(stateDir: string, configName: string, keep: number): Promise<void> {
	const all = await listBackups(stateDir, configName);
	for (const path of all.slice(0, Math.max(0, all.length - keep))) {
		await unlink(path).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'ENOENT') throw error;
		});
	}
}
