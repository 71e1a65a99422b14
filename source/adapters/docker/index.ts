import type Docker from 'dockerode';
import type {EngineRole, LogSource, ProxyControl, RuntimeInfo} from '../../core/types.ts';
import {checkDocker, connectDocker, endpointOf} from './connect.ts';
import {deploymentNames, inspectServices, suggestNames, type ServiceState} from './inspect.ts';
import {createDockerLifecycleSource} from './lifecycle.ts';
import type {LifecycleSource} from '../../core/types.ts';
import {createDockerLogSource, type DockerLogOptions} from './logs.ts';
import {createDockerProxy} from './proxy.ts';
import {createDockerStatsSource, type DockerStatsSource} from './stats.ts';

export {describeDockerError, checkDocker, connectDocker, dockerEndpointFromEnv} from './connect.ts';
export {describeGap} from './logs.ts';
export {dockerExec} from './exec.ts';
export {createDockerLifecycleSource, parseLifecycleEvent} from './lifecycle.ts';
export {findNginxHostFile} from './nginx-file.ts';
export {refreshAliases} from './aliases.ts';
export type {ServiceState} from './inspect.ts';

export interface DockerAdaptersConfig {
	/** A client to use; by default one from DOCKER_HOST or the current context. */
	docker?: Docker;
	/** Where that client connects, for messages, e.g. "unix:///run/docker.sock (context prod)". */
	endpoint?: string;
	names: {stable: string; canary: string; nginx: string; services: string[]};
	nginxConfig: {host: string; container: string};
	logs?: DockerLogOptions;
}

export interface DockerAdapters {
	logs: LogSource;
	stats: DockerStatsSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	/** start, die (exit code) and oom of both engines, from Docker's events. */
	lifecycle: LifecycleSource;
	docker: Docker;
	/** The engines, nginx and the deployment's other containers, in that order; nginx says when its config file is detached. */
	services(): Promise<ServiceState[]>;
	/** Reachable, and every container name exists (else the message lists those that do). */
	check(): Promise<{ok: boolean; message: string}>;
	close(): void;
}

export function createDockerAdapters(config: DockerAdaptersConfig): DockerAdapters {
	const connected = config.docker ? null : connectDocker();
	const docker = config.docker ?? connected!.docker;
	const endpoint = config.endpoint ?? connected?.endpoint.describe ?? endpointOf(docker);
	const engines: Record<EngineRole, string> = {stable: config.names.stable, canary: config.names.canary};
	const required = [config.names.stable, config.names.canary, config.names.nginx];
	const runtime: {kind: 'docker'; describe: string} = {kind: 'docker', describe: `Docker at ${endpoint}`};
	const stats = createDockerStatsSource(docker, engines);
	const proxy = createDockerProxy(docker, {container: config.names.nginx, hostConfigPath: config.nginxConfig.host, containerConfigPath: config.nginxConfig.container});
	return {
		docker,
		logs: createDockerLogSource(docker, engines, config.logs),
		stats,
		proxy,
		runtime,
		lifecycle: createDockerLifecycleSource(docker, engines),
		async services() {
			const names = await deploymentNames(docker, required, config.names.nginx, config.names.services);
			const services = await inspectServices(docker, names);
			// Checked every poll, so a detached config shows before anyone presses a key.
			const nginx = services.find((s) => s.name === config.names.nginx);
			if (nginx?.found && nginx.state === 'running') {
				const problem = await proxy.mountProblem().catch(() => null);
				if (problem) nginx.problem = problem;
			}
			return services;
		},
		async check() {
			const result = await checkDocker(docker, endpoint);
			if (!result.ok) return {ok: false, message: result.message};
			runtime.describe = result.message;
			try {
				// Only the engines and nginx are required; the other services are shown when present.
				const missing = await suggestNames(docker, [config.names.stable, config.names.canary, config.names.nginx]);
				return missing ? {ok: false, message: missing} : {ok: true, message: result.message};
			} catch (error) {
				return {ok: false, message: (error as Error).message};
			}
		},
		close() {
			stats.close();
		},
	};
}
