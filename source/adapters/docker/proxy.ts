import {writeInPlace} from '../files/in-place-write.ts';
import {createHash} from 'node:crypto';
import {readFile, realpath, stat} from 'node:fs/promises';
import {basename, dirname, posix, resolve} from 'node:path';
import type Docker from 'dockerode';
import type {CommandResult, ProxyControl} from '../../core/types.ts';
import {describeDockerError, endpointOf} from './connect.ts';
import {dockerExec} from './exec.ts';

export interface DockerProxyOptions {
	/** The nginx container (the guide's nginx-canary). */
	container: string;
	/** Host path of the config with the upstream block (the guide's ops/nginx/canary.conf). */
	hostConfigPath: string;
	/**
	 * Where the container sees it when its mounts do not tell (the guide's
	 * /etc/nginx/conf.d/default.conf); normally detected from the container's bind mounts.
	 */
	containerConfigPath: string;
	timeoutMs?: number;
}

// The host file is written in place (same inode), crash-safe: see adapters/files/in-place-write.ts.
export {writeInPlace};

export interface BindMount {
	type: string;
	source: string;
	destination: string;
}

/**
 * Where a container sees a host file, from its mounts: a bind mount of the file itself (the
 * engine's own compose file: canary.conf -> /etc/nginx/conf.d/default.conf) gives its
 * destination; a bind mount of a directory above it (our compose file: ops/nginx ->
 * /etc/nginx/conf.d) gives destination + the rest of the path; the deepest mount wins, as in the
 * container. `hostPaths` are the spellings of the host file (as configured and with symlinks
 * resolved), because Docker records a bind source as it was given. Null when no mount matches.
 */
export function containerPathFor(hostPaths: string[], mounts: BindMount[]): string | null {
	let best: {depth: number; path: string} | null = null;
	for (const mount of mounts) {
		if (mount.type !== 'bind' || !mount.source || !mount.destination) continue;
		const source = stripSlash(mount.source);
		const prefix = source === '/' ? '/' : `${source}/`;
		for (const host of hostPaths) {
			let path: string | null = null;
			if (host === source) path = mount.destination;
			else if (host.startsWith(prefix)) path = posix.join(mount.destination, host.slice(prefix.length));
			if (path === null) continue;
			const depth = source.length;
			if (!best || depth > best.depth) best = {depth, path};
		}
	}
	return best?.path ?? null;
}

/**
 * The other way round: where on the host the file lives that the container reads at
 * `containerPath`, from its bind mounts (the deepest mount wins, as in the container). A
 * directory mounted at the file's directory (our compose layout: ops/nginx -> conf.d) also
 * offers the configured file name in it. Candidates in order of preference; empty when no bind
 * mount covers the path.
 */
export function hostPathsFor(containerPath: string, mounts: BindMount[], hostName?: string): string[] {
	const binds = mounts.filter((m) => m.type === 'bind' && m.source && m.destination).sort((a, b) => stripSlash(b.destination).length - stripSlash(a.destination).length);
	const out: string[] = [];
	for (const mount of binds) {
		const destination = stripSlash(mount.destination);
		const source = stripSlash(mount.source);
		if (containerPath === destination) out.push(source);
		else if (containerPath.startsWith(destination === '/' ? '/' : `${destination}/`)) out.push(posix.join(source, containerPath.slice(destination.length)));
		if (hostName && posix.dirname(containerPath) === destination) out.push(posix.join(source, hostName));
	}
	return [...new Set(out)];
}

function stripSlash(path: string): string {
	return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The host file as configured (absolute) and with symlinks resolved, without duplicates. */
export async function hostSpellings(hostConfigPath: string): Promise<string[]> {
	const absolute = resolve(hostConfigPath);
	const real = await realpath(absolute).catch(async () => {
		// The file itself may be missing for a moment: resolve its directory at least.
		const dir = await realpath(dirname(absolute)).catch(() => dirname(absolute));
		return `${dir}/${basename(absolute)}`;
	});
	return [...new Set([real, absolute])];
}

export interface DockerProxy extends ProxyControl {
	/** The path inside the container that readSeen reads, detected from the mounts. */
	seenPath(): Promise<string>;
	/**
	 * Null while the container reads the host file; else what is wrong (a detached single-file
	 * mount). Cheap enough for every services poll: the container's file is read again only when
	 * the host file changed (size, mtime, inode), the container restarted, or 30 s passed.
	 */
	mountProblem(): Promise<string | null>;
}

const RECHECK_MS = 30_000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

export function createDockerProxy(docker: Docker, options: DockerProxyOptions): DockerProxy {
	const timeoutMs = options.timeoutMs ?? 10_000;
	const exec = (argv: string[]) => dockerExec(docker, options.container, argv, {timeoutMs});
	// Detected per container run: a restart or a recreate (new id) may bring other mounts.
	let cached: {key: string; path: string} | null = null;
	async function seenPath(): Promise<string> {
		let info: Docker.ContainerInspectInfo;
		try {
			// One inspect per read (a few ms on a local socket) is what notices a recreated container.
			info = await docker.getContainer(options.container).inspect();
		} catch {
			// exec reports why the container cannot be reached.
			return cached?.path ?? options.containerConfigPath;
		}
		const key = `${info.Id} ${info.State.StartedAt}`;
		if (cached?.key === key) return cached.path;
		const mounts = (info.Mounts ?? []).map((m) => ({type: m.Type, source: m.Source, destination: m.Destination}));
		const path = containerPathFor(await hostSpellings(options.hostConfigPath), mounts) ?? options.containerConfigPath;
		cached = {key, path};
		return path;
	}
	let lastCheck: {key: string; at: number; problem: string | null} | null = null;
	async function mountProblem(): Promise<string | null> {
		let hostKey: string;
		try {
			const host = await stat(options.hostConfigPath);
			hostKey = `${host.size} ${host.mtimeMs} ${host.ino}`;
		} catch {
			return null; // A missing host file is reported by the weights watch.
		}
		if (lastCheck && lastCheck.key === `${hostKey}|${cached?.key ?? ''}` && Date.now() - lastCheck.at < RECHECK_MS) return lastCheck.problem;
		const path = await seenPath();
		const seen = await exec(['cat', path]);
		// Not running or not reachable: the services strip says so already; nothing to compare.
		if (!seen.ok) return null;
		const host = await readFile(options.hostConfigPath, 'utf8').catch(() => null);
		if (host === null) return null;
		const problem = hash(host) === hash(seen.output)
			? null
			: `${options.container} reads a different ${path} than ${options.hostConfigPath}: the single-file mount is detached (an editor or sed -i replaced the file); weight changes cannot reach nginx until ${options.container} restarts (R)`;
		lastCheck = {key: `${hostKey}|${cached?.key ?? ''}`, at: Date.now(), problem};
		return problem;
	}
	return {
		describe: `${options.container} (Docker)`,
		mountProblem,
		configPath: options.hostConfigPath,
		seenPath,
		readHost: () => readFile(options.hostConfigPath, 'utf8'),
		writeHost: (text) => writeInPlace(options.hostConfigPath, text),
		async readSeen() {
			const path = await seenPath();
			const result = await exec(['cat', path]);
			if (!result.ok) throw new Error(`cannot read ${path} in ${options.container}: ${result.output.trim()}`);
			return result.output;
		},
		validate: () => exec(['nginx', '-t']),
		reload: () => exec(['nginx', '-s', 'reload']),
		async restart(): Promise<CommandResult> {
			const container = docker.getContainer(options.container);
			try {
				cached = null;
				await container.restart({t: 5});
				const deadline = Date.now() + timeoutMs;
				for (;;) {
					const info = await container.inspect();
					if (info.State.Running && !info.State.Restarting) return {ok: true, exitCode: 0, output: `${options.container} restarted`};
					if (Date.now() > deadline) {
						return {ok: false, exitCode: null, output: `${options.container} is ${info.State.Status} ${timeoutMs} ms after the restart (exit code ${info.State.ExitCode})`};
					}
					await new Promise((r) => setTimeout(r, 100));
				}
			} catch (error) {
				return {ok: false, exitCode: null, output: describeDockerError(error, endpointOf(docker))};
			}
		},
	};
}
