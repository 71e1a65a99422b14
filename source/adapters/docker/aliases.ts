import type Docker from 'dockerode';
import type {EngineRole} from '../../core/types.ts';
import {serversOf, type RolesConfig} from '../../domain/replicas.ts';

/**
 * nginx's X-Upstream names the address it connected to (the container's IP), not the name in
 * the config. Fills `aliases` in place with each engine's current addresses and drops the old
 * ones, so the sampler that holds the object sees a recreated engine's new address.
 */
export async function refreshAliases(docker: Docker, names: Record<EngineRole, string>, roles: RolesConfig, aliases: Record<string, EngineRole>): Promise<void> {
	const fresh: Record<string, EngineRole> = {};
	for (const role of ['stable', 'canary'] as const) {
		const port = serversOf(roles, role)[0]?.split(':').at(-1) ?? '8080';
		const info = await docker.getContainer(names[role]).inspect().catch(() => null);
		for (const network of Object.values(info?.NetworkSettings.Networks ?? {})) {
			if (network.IPAddress) fresh[`${network.IPAddress}:${port}`] = role;
		}
	}
	for (const key of Object.keys(aliases)) if (!(key in fresh)) delete aliases[key];
	Object.assign(aliases, fresh);
}
