// Where a deployment's state lives: the audit log, the lock, the config backups and saved logs.
// One directory per deployment, whatever directory the console was started from, so two
// consoles on one host (or a console and a pipeline) share one audit log and one lock, and
// nothing is left beside the nginx config (nginx reads its directory).

import {createHash} from 'node:crypto';
import {realpathSync} from 'node:fs';
import {homedir, hostname} from 'node:os';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import type {Config} from '../../config.ts';

/** The file's real path (symlinks resolved); a missing file still gets its directory resolved. */
export function realPathOf(path: string): string {
	const absolute = resolve(path);
	try {
		return realpathSync(absolute);
	} catch {
		try {
			return join(realpathSync(dirname(absolute)), basename(absolute));
		} catch {
			return absolute;
		}
	}
}

/** The Docker host when it is another machine (tcp:// or ssh://), as user@host:port; null for a local socket. */
export function remoteDockerHost(env: NodeJS.ProcessEnv): string | null {
	const host = env.DOCKER_HOST?.trim();
	if (!host || host.startsWith('unix://') || host.startsWith('/') || host.startsWith('npipe://')) return null;
	try {
		const url = new URL(host.includes('://') ? host : `tcp://${host}`);
		return `${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.hostname}${url.port ? `:${url.port}` : ''}`;
	} catch {
		return host;
	}
}

const MAX_SLUG = 80;

/**
 * A readable, stable name for a deployment: a slug of the nginx config's real path (and the
 * Docker host when remote), then a short hash of host, Docker host and path, so two paths that
 * slug alike, or the same path on two machines sharing a home directory, stay apart.
 */
export function deploymentName(configPath: string, env: NodeJS.ProcessEnv = process.env, host: string = hostname()): string {
	const real = realPathOf(configPath);
	const remote = remoteDockerHost(env);
	const clean = (text: string) => text.replace(/[^A-Za-z0-9._@-]+/g, '-').replace(/^[-.]+|-+$/g, '');
	let slug = [remote, real].filter(Boolean).map((part) => clean(part!)).join('-');
	// The end of the path says the most (ops/nginx/canary.conf): keep it when cutting.
	if (slug.length > MAX_SLUG) slug = slug.slice(slug.length - MAX_SLUG).replace(/^[-.]+/, '');
	const hash = createHash('sha256').update(`${host}\0${remote ?? ''}\0${real}`).digest('hex').slice(0, 8);
	return `${slug || 'deployment'}-${hash}`;
}

/** $XDG_STATE_HOME/canary-console, else ~/.local/state/canary-console (the XDG base directory rules). */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
	const xdg = env.XDG_STATE_HOME;
	// The spec says to ignore a relative value.
	const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
	return join(base, 'canary-console');
}

export function defaultStateDir(configPath: string, env: NodeJS.ProcessEnv = process.env): string {
	return join(stateRoot(env), deploymentName(configPath, env));
}

/** The config with stateDir and auditPath made absolute: configured values win, then the defaults. */
export function resolveState(config: Config, env: NodeJS.ProcessEnv = process.env): Config {
	const stateDir = config.stateDir ? resolve(config.stateDir) : defaultStateDir(config.docker.nginxConfig.host, env);
	const auditPath = config.auditPath ? resolve(config.auditPath) : join(stateDir, 'audit.jsonl');
	return {...config, stateDir, auditPath};
}

/** Where saved log files go. */
export const logsDir = (stateDir: string) => join(stateDir, 'logs');
/** Where config backups go. */
export const backupsDir = (stateDir: string) => join(stateDir, 'backups');
