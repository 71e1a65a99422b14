import type Docker from 'dockerode';
import type {CommandResult} from '../../core/types.ts';
import {describeDockerError, endpointOf} from './connect.ts';

/** Output kept from one command: enough for nginx's messages, bounded against a runaway tool. */
const MAX_OUTPUT = 1024 * 1024;

/**
 * Runs argv in a running container (no shell, so container text is never interpreted), waits for
 * its output to end, and reads the exit code. Never throws: Docker failures come back as
 * ok:false with the reason in output.
 */
export async function dockerExec(docker: Docker, container: string, argv: string[], options: {timeoutMs?: number} = {}): Promise<CommandResult> {
	const timeoutMs = options.timeoutMs ?? 10_000;
	let exec: Docker.Exec;
	let stream: NodeJS.ReadableStream;
	try {
		exec = await docker.getContainer(container).exec({Cmd: argv, AttachStdout: true, AttachStderr: true, Tty: false});
		stream = (await exec.start({hijack: true, stdin: false})) as NodeJS.ReadableStream;
	} catch (error) {
		return {ok: false, exitCode: null, output: describeDockerError(error, endpointOf(docker))};
	}
	const chunks: Buffer[] = [];
	let size = 0;
	const collect = {
		write(chunk: Buffer) {
			if (size >= MAX_OUTPUT) return true;
			chunks.push(chunk);
			size += chunk.length;
			return true;
		},
	};
	docker.modem.demuxStream(stream, collect as never, collect as never);
	const ended = await new Promise<'end' | 'timeout' | 'error'>((resolve) => {
		const timer = setTimeout(() => resolve('timeout'), timeoutMs);
		const done = (how: 'end' | 'error') => {
			clearTimeout(timer);
			resolve(how);
		};
		stream.on('end', () => done('end'));
		stream.on('close', () => done('end'));
		stream.on('error', () => done('error'));
	});
	const output = Buffer.concat(chunks).toString('utf8');
	if (ended === 'timeout') {
		(stream as unknown as {destroy?: () => void}).destroy?.();
		return {ok: false, exitCode: null, output: `${output}${output && !output.endsWith('\n') ? '\n' : ''}${argv.join(' ')} timed out after ${timeoutMs} ms in ${container}`};
	}
	try {
		// The stream can end a moment before the daemon records the exit code.
		for (let i = 0; i < 50; i++) {
			const info = await exec.inspect();
			if (!info.Running && info.ExitCode !== null) return {ok: info.ExitCode === 0, exitCode: info.ExitCode, output};
			await new Promise((r) => setTimeout(r, 20));
		}
		return {ok: false, exitCode: null, output: `${output}(no exit code from ${container})`};
	} catch (error) {
		return {ok: false, exitCode: null, output: `${output}${describeDockerError(error, endpointOf(docker))}`};
	}
}
