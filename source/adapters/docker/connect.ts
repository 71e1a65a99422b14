import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import Docker from 'dockerode';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * A Docker endpoint the user's settings name wrongly (DOCKER_HOST, a context, TLS files): the
 * message says what to fix, so the CLI prints it without a stack trace.
 */
export class DockerEndpointError extends Error {
	override name = 'DockerEndpointError';
}

export interface DockerEndpoint {
	options: Docker.DockerOptions;
	/** Where we connect, for messages: "unix:///var/run/docker.sock", "tcp://host:2376 (TLS)". */
	describe: string;
	/** The unix socket path when connecting through one. */
	socketPath?: string;
}

/**
 * Reads DOCKER_HOST the way the docker CLI does. Built here rather than left to docker-modem's
 * own defaults so that the endpoint is known for error messages, a bare TLS cert path works,
 * and ssh:// keeps its port.
 */
export function dockerEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
	if (!env.DOCKER_HOST?.trim()) {
		// As the docker CLI: without DOCKER_HOST the current context names the endpoint.
		const context = currentDockerContext(env);
		if (context) {
			const endpoint = endpointFromHost({...env, DOCKER_HOST: context.host, ...context.tls});
			return {...endpoint, describe: `${endpoint.describe} (context ${context.name})`};
		}
	}
	return endpointFromHost(env);
}

export interface DockerContext {
	name: string;
	/** Endpoints.docker.Host of the context, e.g. unix:///run/docker.sock or tcp://host:2376. */
	host: string;
	/** DOCKER_CERT_PATH and DOCKER_TLS_VERIFY for a context that stores TLS material. */
	tls?: {DOCKER_CERT_PATH: string; DOCKER_TLS_VERIFY: string};
}

/** The docker CLI's config directory: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
	return env.DOCKER_CONFIG?.trim() || join(env.HOME?.trim() || homedir(), '.docker');
}

/**
 * The docker CLI's current context: DOCKER_CONTEXT, else `currentContext` in config.json; its
 * endpoint is in contexts/meta/<sha256 of the name>/meta.json. Null for the default context
 * (the default socket). Throws with the reason when a named context cannot be read.
 */
export function currentDockerContext(env: NodeJS.ProcessEnv): DockerContext | null {
	const dir = dockerConfigDir(env);
	let name = env.DOCKER_CONTEXT?.trim() ?? '';
	let from = 'DOCKER_CONTEXT';
	if (!name) {
		const configPath = join(dir, 'config.json');
		if (!existsSync(configPath)) return null;
		try {
			const config = JSON.parse(readFileSync(configPath, 'utf8')) as {currentContext?: unknown};
			name = typeof config.currentContext === 'string' ? config.currentContext.trim() : '';
		} catch (error) {
			throw new DockerEndpointError(`cannot read the Docker CLI config ${configPath}: ${(error as Error).message}; fix it or set DOCKER_HOST`);
		}
		from = configPath;
	}
	if (!name || name === 'default') return null;
	return dockerContextByName(name, env, from);
}

/**
 * A named context from the docker CLI's store, as docker/cli's context store lays it out: the
 * metadata in contexts/meta/<sha256 of the name>/meta.json, the endpoint's TLS material (ca.pem,
 * cert.pem, key.pem) in contexts/tls/<same id>/docker/. Throws with the reason when it cannot be read.
 */
export function dockerContextByName(name: string, env: NodeJS.ProcessEnv, from = 'the config'): DockerContext {
	const dir = dockerConfigDir(env);
	const id = createHash('sha256').update(name).digest('hex');
	const metaPath = join(dir, 'contexts', 'meta', id, 'meta.json');
	let host: unknown;
	try {
		const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {Endpoints?: {docker?: {Host?: unknown; SkipTLSVerify?: unknown}}};
		host = meta.Endpoints?.docker?.Host;
	} catch (error) {
		throw new DockerEndpointError(`Docker context ${name} (from ${from}) cannot be read at ${metaPath}: ${(error as Error).message}; see docker context ls, or set DOCKER_HOST`);
	}
	if (typeof host !== 'string' || !host) throw new DockerEndpointError(`Docker context ${name} (from ${from}) names no Docker endpoint in ${metaPath}; set DOCKER_HOST`);
	const tlsDir = join(dir, 'contexts', 'tls', id, 'docker');
	const tls = existsSync(join(tlsDir, 'ca.pem')) ? {DOCKER_CERT_PATH: tlsDir, DOCKER_TLS_VERIFY: '1'} : undefined;
	return {name, host, ...(tls ? {tls} : {})};
}

function endpointFromHost(env: NodeJS.ProcessEnv): DockerEndpoint {
	const host = env.DOCKER_HOST?.trim();
	if (!host || host.startsWith('unix://') || host.startsWith('/')) {
		const socketPath = (host?.startsWith('unix://') ? host.slice('unix://'.length) : host) || DEFAULT_SOCKET;
		return {options: {socketPath}, describe: `unix://${socketPath}`, socketPath};
	}
	let url: URL;
	try {
		url = new URL(host.includes('://') ? host : `tcp://${host}`);
	} catch {
		throw new DockerEndpointError(`DOCKER_HOST=${host} is not a valid address: use unix:///path, tcp://host:port or ssh://user@host`);
	}
	if (url.protocol === 'ssh:') {
		// docker-modem runs `docker system dial-stdio` on the remote host over ssh2, using the agent.
		const port = Number(url.port || 22);
		return {
			options: {
				protocol: 'ssh',
				host: url.hostname,
				port,
				username: decodeURIComponent(url.username) || undefined,
				sshOptions: {agent: env.SSH_AUTH_SOCK},
			} as Docker.DockerOptions,
			describe: `ssh://${url.username ? `${url.username}@` : ''}${url.hostname}${url.port ? `:${url.port}` : ''}`,
		};
	}
	if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new DockerEndpointError(`DOCKER_HOST=${host}: unsupported scheme ${url.protocol} (use unix://, tcp:// or ssh://)`);
	}
	const port = url.port || (url.protocol === 'https:' ? '2376' : '2375');
	// As the docker CLI: any non-empty DOCKER_TLS_VERIFY turns TLS on; port 2376 is the TLS port.
	const tls = Boolean(env.DOCKER_TLS_VERIFY) || url.protocol === 'https:' || port === '2376';
	const options: Docker.DockerOptions = {host: url.hostname, port, protocol: tls ? 'https' : 'http'};
	if (tls) {
		const certPath = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
		try {
			options.ca = readFileSync(join(certPath, 'ca.pem'));
			options.cert = readFileSync(join(certPath, 'cert.pem'));
			options.key = readFileSync(join(certPath, 'key.pem'));
		} catch (error) {
			throw new DockerEndpointError(
				`TLS for ${host}: cannot read ca.pem, cert.pem and key.pem in ${certPath} (${(error as Error).message}); set DOCKER_CERT_PATH`,
			);
		}
	}
	return {options, describe: `tcp://${url.hostname}:${port}${tls ? ' (TLS)' : ''}`};
}

export function connectDocker(env: NodeJS.ProcessEnv = process.env): {docker: Docker; endpoint: DockerEndpoint} {
	const endpoint = dockerEndpointFromEnv(env);
	return {docker: new Docker(endpoint.options), endpoint};
}

/** Where a client connects, recovered from its modem (for clients built elsewhere). */
export function endpointOf(docker: Docker): string {
	const modem = docker.modem as unknown as {socketPath?: unknown; host?: string; port?: string | number; protocol?: string};
	if (modem.host) return `${modem.protocol === 'ssh' ? 'ssh' : 'tcp'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`;
	return `unix://${typeof modem.socketPath === 'string' ? modem.socketPath : DEFAULT_SOCKET}`;
}

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** True when the error means the daemon cannot be reached at all (as opposed to an API error). */
export function isUnreachable(error: unknown): boolean {
	const e = error as {code?: string; statusCode?: number; message?: string} | null;
	if (!e) return false;
	if (e.code && UNREACHABLE_CODES.has(e.code)) return true;
	return typeof e.message === 'string' && /socket hang up|connect E|read E|ssh|All configured authentication methods failed/i.test(e.message) && !e.statusCode;
}

/** True for Docker's "no such container" (HTTP 404). */
export function isNotFound(error: unknown): boolean {
	return (error as {statusCode?: number} | null)?.statusCode === 404;
}

/** One sentence that says what is wrong and what to do, for every way talking to Docker fails. */
export function describeDockerError(error: unknown, endpoint = `unix://${DEFAULT_SOCKET}`): string {
	const e = (error ?? {}) as {code?: string; statusCode?: number; message?: string; json?: {message?: string}; address?: string};
	const socket = e.address ?? (endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint);
	switch (e.code) {
		case 'ENOENT':
			return `Docker socket ${socket} not found: is the Docker daemon running? Start it (systemctl start docker) or set DOCKER_HOST.`;
		case 'EACCES':
		case 'EPERM':
			return `Permission denied on ${socket}: add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run with sudo.`;
		case 'ECONNREFUSED':
			return `Docker daemon at ${endpoint} refused the connection: it is down or restarting.`;
		case 'ECONNRESET':
		case 'EPIPE':
			return `Docker daemon at ${endpoint} closed the connection: it stopped or restarted.`;
		case 'ETIMEDOUT':
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return `Docker daemon at ${endpoint} is unreachable (${e.code}): check the host and the network.`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `Docker host in ${endpoint} does not resolve (${e.code}): check DOCKER_HOST.`;
		default:
	}
	const apiMessage = e.json?.message ?? e.message ?? String(error);
	if (e.statusCode) return `Docker API error ${e.statusCode}: ${apiMessage.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim()}`;
	if (/socket hang up/i.test(apiMessage)) return `Docker daemon at ${endpoint} closed the connection: it stopped or restarted.`;
	return `Docker at ${endpoint}: ${apiMessage}`;
}

export interface DockerCheck {
	ok: boolean;
	/** The engine's version, e.g. "20.10.24", when reachable. */
	version: string | null;
	message: string;
}

/** Pings the daemon and reads its version; never throws. */
export async function checkDocker(docker: Docker, endpoint = endpointOf(docker)): Promise<DockerCheck> {
	try {
		const info = (await docker.version()) as {Version?: string; ApiVersion?: string};
		const version = info.Version ?? null;
		return {ok: true, version, message: `Docker ${version ?? '?'} at ${endpoint}`};
	} catch (error) {
		return {ok: false, version: null, message: describeDockerError(error, endpoint)};
	}
}

/** HH:MM:SS in local time, for "since" messages. */
export function clockTime(ms: number): string {
	const d = new Date(ms);
	return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
