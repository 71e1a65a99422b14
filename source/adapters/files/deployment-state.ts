// The deployment's state on disk: the directory state-dir.ts resolves, with its lock, backups
// and audit log. The composition root passes openState to the Monitor.

import type {Config} from '../../config.ts';
import type {ChangeFiles, DeploymentState, OpenState} from '../../core/change/ports.ts';
import {join} from 'node:path';
import {createAuditLog} from './audit-file.ts';
import {createEventFile} from './event-file.ts';
import {saveBackup} from './backups.ts';
import {acquireLock, type LockOptions} from './lock.ts';
import {resolveState} from './state-dir.ts';

/** The lock and the backups in `stateDir`; `backupsKept` newest backups stay (default 20). */
export function changeFiles(stateDir: string, options: {backupsKept?: number; lock?: LockOptions} = {}): ChangeFiles {
	return {
		lock: () => acquireLock(stateDir, options.lock),
		backup: (configPath, text, at) => saveBackup({stateDir, configPath, keep: options.backupsKept, now: () => at}, text),
	};
}

export const openState: OpenState = (config: Config, configPath: string): DeploymentState => {
	// The CLI resolves these before it builds the Monitor; a caller that did not gets the
	// defaults of the file this proxy writes.
	const state = resolveState({...config, docker: {...config.docker, nginxConfig: {...config.docker.nginxConfig, host: configPath}}});
	return {
		stateDir: state.stateDir,
		audit: createAuditLog(state.auditPath),
		files: changeFiles(state.stateDir, {backupsKept: config.backupsKept}),
		events: createEventFile(join(state.stateDir, 'timeline.jsonl')),
	};
};
