import {accessSync, constants, mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {startDockerDeployment} from './docker-deployment.ts';
import {setLogRate} from './engine-stats.ts';
import {cpuPercent, cpuSeconds, memory} from './proc.ts';
import {sleep, until} from './poll.ts';
import {TmuxSession} from './tmux.ts';

// lazydocker beside the console, measured the same way (`LAZYDOCKER=path npm run bench`): the
// same Docker deployment and rates, tmux at 120x40, its own process's CPU and peak RSS from
// /proc and the bytes it writes to the terminal. It starts on its containers panel, which
// follows the selected container's logs in its main panel.

export interface LazydockerRun {
	cpuPercent: number;
	peakRssMb: number | null;
	bytesPerSec: number;
}

const executable = (path: string) => {
	try {
		accessSync(path, constants.X_OK);
		return statSync(path).isFile();
	} catch {
		return false;
	}
};

/** The lazydocker to run (LAZYDOCKER, else one on PATH), or why there is none. */
export function lazydockerBinary(env: NodeJS.ProcessEnv = process.env): {path: string} | {skip: string} {
	const path = env.LAZYDOCKER;
	if (path) return executable(path) ? {path} : {skip: `lazydocker not measured: LAZYDOCKER=${path} is not an executable file`};
	const found = (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'lazydocker')).find(executable);
	if (found) return {path: found};
	return {skip: 'lazydocker not measured: it is not installed here (no lazydocker on PATH); set LAZYDOCKER=path/to/lazydocker to add its rows'};
}

const size = (path: string) => {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
};

export async function runLazydocker(options: {binary: string; dockerHost: string; root: string; logRate: number; phaseMs: number; warmupMs: number}): Promise<LazydockerRun> {
	const dir = mkdtempSync(join(tmpdir(), 'canary-bench-lazydocker-'));
	const ttyPath = join(dir, 'tty.bytes');
	const deployment = await startDockerDeployment(options.dockerHost, dir);
	const env: NodeJS.ProcessEnv = {...process.env, DOCKER_HOST: options.dockerHost, TERM: 'xterm-256color', HOME: dir};
	delete env.TMUX;
	const tmux = await TmuxSession.start({socket: `canary-bench-lazydocker-${process.pid}-${Date.now()}`, argv: [options.binary], env, cwd: options.root});
	try {
		await tmux.pipeTo(ttyPath);
		const pid = await tmux.panePid();
		// Its screen lists the containers once it is up.
		if (!(await until(async () => (await tmux.capture()).includes(deployment.names.stable), 30_000, 100))) throw new Error(`lazydocker never listed ${deployment.names.stable}:\n${await tmux.capture()}`);
		await Promise.all([deployment.ports.stable, deployment.ports.canary].map((port) => setLogRate(port, options.logRate / 2)));
		await sleep(options.warmupMs);
		const t0 = Date.now();
		const cpu0 = cpuSeconds(pid);
		const bytes0 = size(ttyPath);
		await sleep(options.phaseMs);
		const t1 = Date.now();
		const cpu1 = cpuSeconds(pid);
		const bytes1 = size(ttyPath);
		const mem = memory(pid);
		return {cpuPercent: cpuPercent(cpu0, cpu1, t1 - t0), peakRssMb: mem.hwm === null ? null : mem.hwm / (1024 * 1024), bytesPerSec: ((bytes1 - bytes0) * 1000) / (t1 - t0)};
	} finally {
		await tmux.kill();
		await deployment.remove();
		rmSync(dir, {recursive: true, force: true});
	}
}
