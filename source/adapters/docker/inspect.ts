import type Docker from 'dockerode';
import {isNotFound} from './connect.ts';

export interface ServiceMount {
	type: string;
	source: string;
	destination: string;
	readOnly: boolean;
}

/** One container of the canary deployment, for the services strip. */
export interface ServiceState {
	name: string;
	found: boolean;
	/** Docker's state: running, exited, restarting, paused, created, dead; 'missing' when not found. */
	state: string;
	/** healthy, unhealthy, starting, or none when the container has no healthcheck. */
	health: 'healthy' | 'unhealthy' | 'starting' | 'none';
	restarts: number;
	image: string | null;
	/** ms since epoch, null when never started. */
	startedAt: number | null;
	exitCode: number | null;
	mounts: ServiceMount[];
	/** Something wrong beyond the state, e.g. nginx reading a detached config file. */
	problem?: string;
}

/** A Docker time (StartedAt, FinishedAt) in ms since epoch; null for Docker's zero time 0001-01-01. */
export function dockerTime(value: string | undefined): number | null {
	if (!value || value.startsWith('0001-')) return null;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? null : ms;
}

export function serviceFromInspect(name: string, info: Docker.ContainerInspectInfo): ServiceState {
	const health = info.State.Health?.Status;
	return {
		name,
		found: true,
		state: info.State.Status,
		health: health === 'healthy' || health === 'unhealthy' || health === 'starting' ? health : 'none',
		restarts: info.RestartCount ?? 0,
		image: info.Config.Image ?? null,
		startedAt: dockerTime(info.State.StartedAt),
		exitCode: info.State.Running ? null : info.State.ExitCode,
		mounts: (info.Mounts ?? []).map((m) => ({type: m.Type, source: m.Source, destination: m.Destination, readOnly: !m.RW})),
	};
}

/** Inspects each named container; a missing one is reported, not thrown. Throws when Docker is unreachable. */
export async function inspectServices(docker: Docker, names: string[]): Promise<ServiceState[]> {
	return Promise.all(
		names.map(async (name) => {
			try {
				return serviceFromInspect(name, await docker.getContainer(name).inspect());
			} catch (error) {
				if (!isNotFound(error)) throw error;
				return {name, found: false, state: 'missing', health: 'none', restarts: 0, image: null, startedAt: null, exitCode: null, mounts: []} satisfies ServiceState;
			}
		}),
	);
}

function distance(a: string, b: string): number {
	const row = Array.from({length: b.length + 1}, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		let diagonal = row[0]!;
		row[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const above = row[j]!;
			row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
			diagonal = above;
		}
	}
	return row[b.length]!;
}

/**
 * For names that match no container: one message that lists the containers that do exist
 * (running first) and the closest name, or null when every wanted name exists.
 */
export async function suggestNames(docker: Docker, wanted: string[]): Promise<string | null> {
	const all = await docker.listContainers({all: true});
	const existing = all.map((c) => ({name: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''), running: c.State === 'running'}));
	const names = new Set(existing.map((c) => c.name));
	const missing = wanted.filter((name) => !names.has(name));
	if (missing.length === 0) return null;
	const running = existing.filter((c) => c.running).map((c) => c.name).sort();
	const stopped = existing.filter((c) => !c.running).map((c) => c.name).sort();
	const parts = missing.map((name) => {
		const best = [...names].map((n) => ({n, d: distance(name, n)})).sort((a, b) => a.d - b.d)[0];
		const hint = best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${best.n}?)` : '';
		return `no container named ${name}${hint}`;
	});
	const list = running.length > 0 ? `running containers: ${running.join(', ')}` : 'no containers are running';
	return `${parts.join('; ')}; ${list}${stopped.length > 0 ? `; stopped: ${stopped.join(', ')}` : ''}`;
}

const SHARED_NETWORKS = new Set(['bridge', 'host', 'none']);
const COMPOSE_PROJECT = 'com.docker.compose.project';

/**
 * The deployment's containers for the services strip: the engines and nginx always (a missing
 * one is worth a red mark), then what shares nginx's compose project or its own networks, then
 * the configured extra names that exist. A configured name the deployment never had is left out
 * rather than reported missing.
 */
export async function deploymentNames(docker: Docker, required: string[], nginx: string, extra: string[]): Promise<string[]> {
	const all = await docker.listContainers({all: true});
	const nameOf = (c: Docker.ContainerInfo) => (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
	const byName = new Map(all.map((c) => [nameOf(c), c]));
	const related: string[] = [];
	const proxy = byName.get(nginx);
	if (proxy) {
		const project = proxy.Labels?.[COMPOSE_PROJECT];
		const networks = Object.keys(proxy.NetworkSettings?.Networks ?? {}).filter((n) => !SHARED_NETWORKS.has(n));
		for (const [name, c] of byName) {
			const sameProject = project !== undefined && c.Labels?.[COMPOSE_PROJECT] === project;
			const sameNetwork = networks.some((n) => c.NetworkSettings?.Networks?.[n] !== undefined);
			if (sameProject || sameNetwork) related.push(name);
		}
	}
	return [...new Set([...required, ...related.sort(), ...extra.filter((name) => byName.has(name))])];
}
