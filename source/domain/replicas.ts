// Replicas per role: each version may run as several engines behind one upstream. The config
// names a role either by one server address (the single pair, with urls.<role> and
// docker.names.<role>) or by a list of replicas; everything downstream works on the list.

import type {EngineRole} from './engine.ts';

export type Role = EngineRole;

/** One replica as written in the config file's list shape. */
export interface ReplicaConfig {
	/** Address as written in the upstream block, e.g. engine-stable-1:8080. */
	server: string;
	/** Docker container name; no logs or stats without it. */
	container?: string;
	/** Docker context name or endpoint URL (unix://, tcp://, ssh://); default: the console's own. */
	docker?: string;
	/** Base URL of the replica's /metrics and /healthz. */
	metrics?: string;
	/** Label on screen and in logs; default S1, S2, ... / C1, C2, ... by position. */
	name?: string;
}

/** A role is one server address (today's shape) or a list of replicas. */
export type RoleConfig = string | readonly ReplicaConfig[];

export interface RolesConfig {
	stable: RoleConfig;
	canary: RoleConfig;
}

export interface Replica {
	/** 'S1', 'C2', ... or the configured name. */
	id: string;
	role: Role;
	/** Upstream server address. */
	server: string;
	container?: string;
	/** Docker context name or URL; undefined = the default endpoint. */
	endpoint?: string;
	metricsUrl?: string;
}

/** The parts of the config the replicas are read from (Config satisfies it). */
export interface ReplicaSource {
	roles: RolesConfig;
	urls: {stable: string; canary: string};
	docker: {names: {stable: string; canary: string}};
}

export const ROLE_PREFIX: Record<Role, string> = {stable: 'S', canary: 'C'};

/** The default label of the replica at `index` (0-based) of a role: S1, S2, C1, ... */
export function defaultReplicaId(role: Role, index: number): string {
	return `${ROLE_PREFIX[role]}${index + 1}`;
}

/** The replicas of one role as written (string or list), without the single pair's URL and container. */
function listOf(value: RoleConfig): ReplicaConfig[] {
	return typeof value === 'string' ? [{server: value}] : [...value];
}

/** Every replica of both roles; a single-pair config gives one per role, S1 and C1. */
export function replicasOf(config: ReplicaSource): Record<Role, Replica[]> {
	const of = (role: Role): Replica[] => {
		const value = config.roles[role];
		if (typeof value === 'string') {
			return [{id: defaultReplicaId(role, 0), role, server: value, container: config.docker.names[role], metricsUrl: config.urls[role]}];
		}
		return value.map((replica, index) => ({
			id: replica.name ?? defaultReplicaId(role, index),
			role,
			server: replica.server,
			...(replica.container === undefined ? {} : {container: replica.container}),
			...(replica.docker === undefined ? {} : {endpoint: replica.docker}),
			...(replica.metrics === undefined ? {} : {metricsUrl: replica.metrics}),
		}));
	};
	return {stable: of('stable'), canary: of('canary')};
}

/** The upstream server addresses of a role, in config order. */
export function serversOf(roles: {readonly stable: RoleConfig; readonly canary: RoleConfig}, role: Role): string[] {
	return listOf(roles[role]).map((replica) => replica.server);
}

/** Every upstream server address with its role, stable's first. */
export function serverRoles(roles: {readonly stable: RoleConfig; readonly canary: RoleConfig}): [string, Role][] {
	return (['stable', 'canary'] as const).flatMap((role) => serversOf(roles, role).map((server): [string, Role] => [server, role]));
}

/** Replica label by server address, for roles written as lists with more than one replica in all (else empty). */
export function replicaIds(roles: {readonly stable: RoleConfig; readonly canary: RoleConfig}): Map<string, string> {
	const lists = (['stable', 'canary'] as const).map((role) => ({role, list: listOf(roles[role])}));
	if (lists.every(({list}) => list.length === 1)) return new Map();
	return new Map(lists.flatMap(({role, list}) => list.map((replica, index): [string, string] => [replica.server, replica.name ?? defaultReplicaId(role, index)])));
}

/** Whether any role has more than one replica (the screen then shows replicas). */
export function hasReplicas(replicas: Record<Role, readonly Replica[]>): boolean {
	return replicas.stable.length > 1 || replicas.canary.length > 1;
}

/**
 * What is wrong with a roles config beyond each list's own shape: a server or a name used twice
 * (within a role or across the two). Empty when nothing is. Messages name the key.
 */
export function rolesProblems(roles: RolesConfig): {path: (string | number)[]; message: string}[] {
	const problems: {path: (string | number)[]; message: string}[] = [];
	const servers = new Map<string, string>();
	const names = new Map<string, string>();
	for (const role of ['stable', 'canary'] as const) {
		const list = listOf(roles[role]);
		const shape = typeof roles[role] === 'string';
		list.forEach((replica, index) => {
			const key = shape ? `roles.${role}` : `roles.${role}[${index}]`;
			const path: (string | number)[] = shape ? ['roles', role] : ['roles', role, index];
			const before = servers.get(replica.server);
			if (before) problems.push({path: [...path, ...(shape ? [] : ['server'])], message: `${key}${shape ? '' : '.server'} "${replica.server}" is already ${before}: each upstream server belongs to one replica`});
			else servers.set(replica.server, key);
			const id = replica.name ?? defaultReplicaId(role, index);
			const named = names.get(id);
			if (named) problems.push({path: [...path, ...(shape ? [] : ['name'])], message: `${key} is named "${id}" like ${named}: give each replica its own name`});
			else names.set(id, key);
		});
	}
	return problems;
}
