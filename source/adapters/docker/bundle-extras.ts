// What only Docker can add to an incident bundle: `docker inspect` of each service with its
// environment values redacted (names kept: they say what was configured, the values may be
// secrets), and `nginx -T` as nginx-canary runs it.

import type Docker from 'dockerode';
import type {BundleFile} from '../../core/automation/bundle.ts';
import {dockerExec} from './exec.ts';

const REDACTED = '<redacted>';

/** A copy of an inspect result with every environment value replaced, the names kept. */
export function redactInspect(info: unknown): unknown {
	const copy = JSON.parse(JSON.stringify(info ?? null)) as {Config?: {Env?: unknown}} | null;
	if (copy?.Config && Array.isArray(copy.Config.Env)) {
		copy.Config.Env = copy.Config.Env.map((entry) => {
			const text = String(entry);
			const equals = text.indexOf('=');
			return equals < 0 ? text : `${text.slice(0, equals)}=${REDACTED}`;
		});
	}
	return copy;
}

export async function dockerBundleExtras(docker: Docker, services: readonly string[], nginx: string): Promise<BundleFile[]> {
	const files: BundleFile[] = [];
	for (const name of new Set(services)) {
		const content = await docker
			.getContainer(name)
			.inspect()
			.then(
				(info) => JSON.stringify(redactInspect(info), null, 2),
				// A configured service this deployment never had is left out, as in the services strip.
				(error: Error & {statusCode?: number}) => (error.statusCode === 404 ? null : JSON.stringify({error: `docker inspect ${name}: ${error.message}`})),
			);
		if (content !== null) files.push({name: `docker/${name.replace(/[^\w.-]/g, '_')}.inspect.json`, content});
	}
	const dump = await dockerExec(docker, nginx, ['nginx', '-T']);
	files.push({name: 'nginx-T.txt', content: dump.ok ? dump.output : `# nginx -T failed (exit ${dump.exitCode ?? '?'}):\n${dump.output}`});
	return files;
}

/** `docker inspect` of every replica container on a host other than the console's, redacted as above. */
export async function replicaBundleFiles(hosts: ReadonlyArray<{docker: Docker; describe: string; containers: readonly string[]}>): Promise<BundleFile[]> {
	const files: BundleFile[] = [];
	for (const host of hosts) {
		for (const name of host.containers) {
			const content = await host.docker
				.getContainer(name)
				.inspect()
				.then(
					(info) => JSON.stringify(redactInspect(info), null, 2),
					(error: Error) => JSON.stringify({error: `docker inspect ${name} at ${host.describe}: ${error.message}`}),
				);
			files.push({name: `docker/${name.replace(/[^\w.-]/g, '_')}.inspect.json`, content});
		}
	}
	return files;
}
