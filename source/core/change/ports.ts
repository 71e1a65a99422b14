// What a weight change needs from the deployment's state directory, behind small interfaces:
// adapters/files implements them on disk, tests may pass their own.

import type {Config} from '../../config.ts';
import type {AuditLog, AuditWrite} from './audit.ts';

export interface LockHolder {
	user: string;
	host: string;
	pid: number;
	/** ISO time the lock was taken. */
	since: string;
}

export type LockResult =
	| {ok: true; path: string; holder: LockHolder; release(): Promise<void>}
	| {ok: false; path: string; holder: LockHolder | null; message: string};

/** The backup's path, and why pruning old ones failed (the backup itself is still good). */
export interface Backup {
	path: string;
	pruneError?: string;
}

/** The files one deployment's weight changes keep: the one-writer lock and the backups. */
export interface ChangeFiles {
	/** Takes the lock, or says who holds it; never throws for a held lock. */
	lock(): Promise<LockResult>;
	/** Keeps a copy of the config about to be overwritten (at: ms since epoch); the oldest copies go. */
	backup(configPath: string, text: string, at: number): Promise<Backup>;
}

/** An append-only file of JSON lines shared by every console of the deployment (the timeline). */
export interface EventFile {
	readonly path: string;
	/** Appends whole lines in one write each; never throws. */
	append(lines: readonly string[]): Promise<AuditWrite>;
	/**
	 * Whole lines appended after byte `offset`, or the newest within maxBytes when offset is
	 * null or the file shrank (compacted); offset is where the next read starts.
	 */
	read(offset: number | null, maxBytes: number): Promise<{lines: string[]; offset: number}>;
	/** Rewrites the file with the newest lines `keep` accepts, within maxBytes; never throws. */
	compact(keep: (line: string) => boolean, maxBytes: number): Promise<void>;
}

/** A deployment's state as the console opens it: where it lives, its audit log, its files. */
export interface DeploymentState {
	readonly stateDir: string;
	readonly audit: AuditLog;
	readonly files: ChangeFiles;
	/** The deployment's timeline (absent: kept in memory only). */
	readonly events?: EventFile;
}

/** Opens the state of the deployment whose proxy writes `configPath` (the composition root picks the real one). */
export type OpenState = (config: Config, configPath: string) => DeploymentState;
