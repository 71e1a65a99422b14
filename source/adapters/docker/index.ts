import type Docker from 'dockerode';
import type {EngineRole, LogSource, ProxyControl, RuntimeInfo} from '../../core/types.ts';
import {checkDocker, connectDocker, endpointOf} from './connect.ts';
import {inspectServices, suggestNames, type ServiceState} from './inspect.ts';
import {createDockerLogSource, type DockerLogOptions} from './logs.ts';
import {createDockerProxy} from './proxy.ts';
import {createDockerStatsSource, type DockerStatsSource} from './stats.ts';

export {describeDockerError, checkDocker, connectDocker, dockerEndpointFromEnv} from './connect.ts';
export {describeGap} from './logs.ts';
export {dockerExec} from './exec.ts';
export type {ServiceState} from './inspect.ts';

export interface DockerAdaptersConfig {
	/** A client to use; by default one from DOCKER_HOST. */
	docker?: Docker;
	names: {stable: string; canary: string; nginx: string; services: string[]};
	nginxConfig: {host: string; container: string};
	logs?: DockerLogOptions;
}

export interface DockerAdapters {
	logs: LogSource;
	stats: DockerStatsSource;
	proxy: ProxyControl;
	runtime: RuntimeInfo;
	docker: Docker;
	/** The engines, nginx and the compose project's other services, in that order. */
	services(): Promise<ServiceState[]>;
	/** Reachable, and every container name exists (else the message lists those that do). */
	check(): Promise<{ok: boolean; message: string}>;
	close(): void;
}

export function createDockerAdapters(config: DockerAdaptersConfig): DockerAdapters {
	const docker = config.docker ?? connectDocker().docker;
	const endpoint = endpointOf(docker);
	const engines: Record<EngineRole, string> = {stable: config.names.stable, canary: config.names.canary};
	const allNames = [...new Set([config.names.stable, config.names.canary, config.names.nginx, ...config.names.services])];
	const runtime: {kind: 'docker'; describe: string} = {kind: 'docker', describe: `Docker at ${endpoint}`};
	const stats = createDockerStatsSource(docker, engines);
	return {
		docker,
		logs: createDockerLogSource(docker, engines, config.logs),
		stats,
		proxy: createDockerProxy(docker, {container: config.names.nginx, hostConfigPath: config.nginxConfig.host, containerConfigPath: config.nginxConfig.container}),
		runtime,
		services: () => inspectServices(docker, allNames),
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
