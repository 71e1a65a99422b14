// What the screen saves, passed in by the CLI (the UI writes no file itself): log lines into
// the state directory's logs/, and for measurements (npm run bench reads them) the latest
// stats over CANARY_CONSOLE_STATS_FILE once a second, when it is set.

import {ftruncateSync, openSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import type {StoredEvent} from '../../core/monitor/log-store.ts';
import type {Snapshot} from '../../core/monitor/snapshot.ts';
import type {AuditLog} from '../../core/change/audit.ts';
import type {ProxyControl} from '../../core/types.ts';
import {bundleFiles, type BundleFile} from '../../core/automation/bundle.ts';
import {saveEvents} from './log-save.ts';
import {logsDir} from './state-dir.ts';
import {writeTarGz} from './tar-gz.ts';

/** The B key: the last `sinceMs` as an incident bundle in the state directory's bundles/. */
export function bundleSaver(stateDir: string, audit: AuditLog, proxy: ProxyControl | undefined, extras?: () => Promise<BundleFile[]>, sinceMs = 15 * 60_000) {
	return async (snapshot: Snapshot): Promise<string> => {
		const stamp = new Date(snapshot.at).toISOString().replace(/[:.]/g, '-').slice(0, 19);
		const path = join(stateDir, 'bundles', `canary-bundle-${stamp}.tar.gz`);
		const nginx = proxy ? await proxy.readSeen().then((text) => ({text}), (error: Error) => ({error: error.message})) : {error: 'the proxy cannot be read here'};
		const lines = (await audit.tail?.(4 << 20)) ?? [];
		const extra = (await extras?.().catch((error: Error) => [{name: 'docker-error.txt', content: `${error.message}\n`}])) ?? [];
		const bytes = await writeTarGz(path, bundleFiles({snapshot, since: snapshot.at - sinceMs, audit: lines, nginx, extra}, `canary-bundle-${stamp}`), snapshot.at);
		// Size first: a long path is what the status line cuts.
		return `bundle written (${(bytes / 1024).toFixed(1)} KB, last ${Math.round(sinceMs / 60_000)} min): ${path}`;
	};
}

/**
 * The file stays open and each record overwrites the last in place (no open, truncate and
 * close a second): a reader may catch it half written, and then reads it again.
 */
export function statsFile(path: string): (stats: object) => void {
	let fd: number | null = null;
	return (stats) => {
		fd ??= openSync(path, 'w');
		const text = Buffer.from(`${JSON.stringify(stats)}\n`);
		writeSync(fd, text, 0, text.length, 0);
		ftruncateSync(fd, text.length);
	};
}

export function screenFiles(stateDir: string, env: NodeJS.ProcessEnv = process.env, bundle?: {audit: AuditLog; proxy?: ProxyControl; extras?: () => Promise<BundleFile[]>}) {
	return {
		saveLogs: (events: StoredEvent[]) => saveEvents(events, logsDir(stateDir)),
		saveBundle: bundle ? bundleSaver(stateDir, bundle.audit, bundle.proxy, bundle.extras) : undefined,
		stats: env.CANARY_CONSOLE_STATS_FILE ? statsFile(env.CANARY_CONSOLE_STATS_FILE) : undefined,
	};
}
