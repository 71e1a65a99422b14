import {open, readFile} from 'node:fs/promises';
import type Docker from 'dockerode';
import type {CommandResult, ProxyControl} from '../../core/types.ts';
import {describeDockerError, endpointOf} from './connect.ts';
import {dockerExec} from './exec.ts';

export interface DockerProxyOptions {
	/** The nginx container (the guide's nginx-canary). */
	container: string;
	/** Host path of the config with the upstream block (the guide's ops/nginx/canary.conf). */
	hostConfigPath: string;
	/** Where the container sees it (the guide's /etc/nginx/conf.d/default.conf). */
	containerConfigPath: string;
	timeoutMs?: number;
}

/**
 * Writes in place: open r+, write from offset 0, truncate, fsync. The same inode stays, so a
 * single-file bind mount keeps showing the file; a rename would leave the container on the old one.
 */
export async function writeInPlace(path: string, text: string): Promise<void> {
	const handle = await open(path, 'r+');
	try {
		const bytes = Buffer.from(text, 'utf8');
		let offset = 0;
		while (offset < bytes.length) {
			const {bytesWritten} = await handle.write(bytes, offset, bytes.length - offset, offset);
			offset += bytesWritten;
		}
		await handle.truncate(bytes.length);
		await handle.sync();
	} finally {
		await handle.close();
	}
}

export function createDockerProxy(docker: Docker, options: DockerProxyOptions): ProxyControl {
	const timeoutMs = options.timeoutMs ?? 10_000;
	const exec = (argv: string[]) => dockerExec(docker, options.container, argv, {timeoutMs});
	return {
		describe: `${options.container} (Docker)`,
		configPath: options.hostConfigPath,
		readHost: () => readFile(options.hostConfigPath, 'utf8'),
		writeHost: (text) => writeInPlace(options.hostConfigPath, text),
		async readSeen() {
			const result = await exec(['cat', options.containerConfigPath]);
			if (!result.ok) throw new Error(`cannot read ${options.containerConfigPath} in ${options.container}: ${result.output.trim()}`);
			return result.output;
		},
		validate: () => exec(['nginx', '-t']),
		reload: () => exec(['nginx', '-s', 'reload']),
		async restart(): Promise<CommandResult> {
			const container = docker.getContainer(options.container);
			try {
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
