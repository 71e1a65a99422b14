// Opens the Docker side of a deployment for the runtime: connects (DOCKER_HOST, else the docker
// CLI's current context, else the default socket), finds nginx-canary's host file when the
// console runs away from ops/, and builds the adapters. The runtime never holds the client.

import type {Config} from '../../config.ts';
import type {EngineRole} from '../../domain/engine.ts';
import {replicasOf} from '../../domain/replicas.ts';
import {refreshAliases} from './aliases.ts';
import {connectDocker} from './connect.ts';
import {createDockerAdapters, type DockerAdapters} from './index.ts';
import {findNginxHostFile} from './nginx-file.ts';

export interface DockerDeployment {
	/** The config, with nginx-canary's host file as its mounts name it when it was not here. */
	config: Config;
	adapters: DockerAdapters;
	/** What to tell the user when the host file was found through the container's mounts. */
	found: string | null;
	/** Refills `aliases` in place with the engines' container addresses (nginx's X-Upstream names those). */
	refreshAliases(aliases: Record<string, EngineRole>): Promise<void>;
}

export async function openDockerDeployment(config: Config): Promise<DockerDeployment> {
	const {docker, endpoint} = connectDocker();
	// Run from anywhere: without ops/ here, nginx-canary's mounts name the host file.
	const nginxFile = await findNginxHostFile(docker, config.docker.names.nginx, config.docker.nginxConfig);
	const dockerConfig: Config = nginxFile.found ? {...config, docker: {...config.docker, nginxConfig: {...config.docker.nginxConfig, host: nginxFile.path}}} : config;
	// Replicas listed in the config: each followed on the Docker host it names.
	const listed = typeof config.roles.stable !== 'string' || typeof config.roles.canary !== 'string';
	const all = replicasOf(config);
	const replicas = listed ? [...all.stable, ...all.canary] : undefined;
	const adapters = createDockerAdapters({docker, endpoint: endpoint.describe, names: dockerConfig.docker.names, nginxConfig: dockerConfig.docker.nginxConfig, statsIntervalMs: config.pollIntervalMs, ...(replicas ? {replicas} : {})});
	return {
		config: dockerConfig,
		adapters,
		found: nginxFile.found,
		refreshAliases: (aliases) => refreshAliases(docker, dockerConfig.docker.names, dockerConfig.roles, aliases),
	};
}
