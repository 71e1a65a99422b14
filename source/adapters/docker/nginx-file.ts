import {access} from 'node:fs/promises';
import {basename, resolve} from 'node:path';
import type Docker from 'dockerode';
import {hostPathsFor} from './proxy.ts';

// The console runs from any directory: when the configured nginx file (ops/nginx/canary.conf,
// relative) is not there, the nginx container's own bind mounts name the host file it reads.

export interface NginxHostFile {
	path: string;
	/** How it was found, for a notice; null when the configured path was used. */
	found: string | null;
}

const exists = (path: string) => access(path).then(() => true, () => false);

export async function findNginxHostFile(docker: Docker, container: string, configured: {host: string; container: string}, cwd = process.cwd()): Promise<NginxHostFile> {
	const own = resolve(cwd, configured.host);
	if (await exists(own)) return {path: configured.host, found: null};
	let mounts: Array<{type: string; source: string; destination: string}>;
	try {
		const info = await docker.getContainer(container).inspect();
		mounts = (info.Mounts ?? []).map((m) => ({type: m.Type, source: m.Source, destination: m.Destination}));
	} catch {
		// Docker says why elsewhere (services strip, proxy steps); the configured path stays.
		return {path: configured.host, found: null};
	}
	for (const candidate of hostPathsFor(configured.container, mounts, basename(configured.host))) {
		if (await exists(candidate)) return {path: candidate, found: `${configured.host} is not in ${cwd}: using ${candidate}, the file ${container} mounts at ${configured.container}`};
	}
	return {path: configured.host, found: null};
}
