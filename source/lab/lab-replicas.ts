// Replicas in the lab (`demo --replicas 3,2`): one engine process per replica, each under its
// own supervisor and port, labelled S1, S2, ... / C1, C2, ... as the config's default names.
// The role-level views (stats, state) combine them the way a role is judged: the worst
// memory share, restarts added up, a role is down only when one of its replicas is.

import type {EngineRole, StatsSource} from '../core/types.ts';
import {defaultReplicaId, type ReplicaConfig, type RoleConfig} from '../domain/replicas.ts';
import {combineReplicaReadings} from '../core/monitor/replica-resources.ts';
import type {EngineSupervisor} from './engine-supervisor.ts';
import type {Faults} from './faults.ts';

export interface ReplicaCounts {
	stable: number;
	canary: number;
}

export const ONE_EACH: ReplicaCounts = {stable: 1, canary: 1};

/** The most replicas per role the lab starts (each one is a Node process). */
export const MAX_LAB_REPLICAS = 9;

/** "3,2" -> {stable: 3, canary: 2}; whole numbers from 1 to MAX_LAB_REPLICAS. */
export function parseReplicaCounts(text: string): ReplicaCounts | {error: string} {
	const match = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
	const counts = match ? {stable: Number(match[1]), canary: Number(match[2])} : null;
	if (!counts || [counts.stable, counts.canary].some((n) => n < 1 || n > MAX_LAB_REPLICAS)) {
		return {error: `--replicas must be "stable,canary" replica counts from 1 to ${MAX_LAB_REPLICAS}, e.g. 3,2 (got ${text})`};
	}
	return counts;
}

/** --replicas and --fault-replica, checked: a replica that --replicas does not start is an error. */
export function parseReplicaFlags(replicas: string | undefined, faultReplica: string | undefined): {replicas?: ReplicaCounts; faultReplica?: string} | {error: string} {
	const counts = replicas === undefined ? ONE_EACH : parseReplicaCounts(replicas);
	if ('error' in counts) return counts;
	if (faultReplica === undefined) return replicas === undefined ? {} : {replicas: counts};
	const ids = unitIds(counts).map((unit) => unit.id);
	if (!ids.includes(faultReplica)) return {error: `--fault-replica must name a replica the lab starts: ${ids.join(', ')} (got ${faultReplica})`};
	return {replicas: counts, faultReplica};
}

/**
 * The faults of each role and of single replicas. With `faultReplica` (C2), its role's faults
 * go to that replica alone and its siblings run without any: one sick replica among healthy ones.
 */
export function replicaFaultPlan(roleFaults: Record<EngineRole, Partial<Faults>>, faultReplica: string | undefined, base: Partial<Faults> = {}): {roleFaults: Record<EngineRole, Partial<Faults>>; replicaFaults: Record<string, Partial<Faults>>} {
	if (faultReplica === undefined) return {roleFaults, replicaFaults: {}};
	const role: EngineRole = faultReplica.startsWith('S') ? 'stable' : 'canary';
	return {roleFaults: {...roleFaults, [role]: base}, replicaFaults: {[faultReplica]: roleFaults[role]}};
}

/** --lab-ports: balancer, stable, canary; with replicas balancer, S1..Sn, C1..Cm. */
export function parseLabPorts(text: string, counts: ReplicaCounts = ONE_EACH): {ports: {balancer: number; stable: number; canary: number}; replicaPorts?: Record<string, number>} | {error: string} {
	const ports = text.split(',').map((part) => Number(part.trim()));
	const ids = unitIds(counts);
	if (ports.length !== 1 + ids.length || ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65_535)) {
		const what = isSinglePair(counts) ? 'three ports, balancer,stable,canary' : `${1 + ids.length} ports, balancer,${ids.join(',')}`;
		return {error: `--lab-ports needs ${what} (got ${text})`};
	}
	const byId = new Map(ids.map((unit, index) => [unit.id, ports[index + 1]!]));
	const first = (role: EngineRole) => byId.get(ids.find((unit) => unit.role === role)!.id)!;
	const replicaPorts = Object.fromEntries(ids.filter((unit) => unit.index > 0).map((unit) => [unit.id, byId.get(unit.id)!]));
	return {ports: {balancer: ports[0]!, stable: first('stable'), canary: first('canary')}, ...(isSinglePair(counts) ? {} : {replicaPorts})};
}

export interface LabUnit {
	/** S1, C2, ... */
	id: string;
	role: EngineRole;
	/** Position within its role, from 0. */
	index: number;
	/** engine-stable (one replica per role) or engine-stable-2. */
	name: string;
	port: number;
	version: string;
	faults: Partial<Faults>;
	supervisor: EngineSupervisor;
	stats: StatsSource;
}

/** The replica ids of a lab, stable's first: S1..Sn, C1..Cm. */
export function unitIds(counts: ReplicaCounts): {id: string; role: EngineRole; index: number}[] {
	return (['stable', 'canary'] as const).flatMap((role) => Array.from({length: counts[role]}, (_, index) => ({id: defaultReplicaId(role, index), role, index})));
}

export const isSinglePair = (counts: ReplicaCounts): boolean => counts.stable === 1 && counts.canary === 1;

/** The container-like name of a replica: today's names for a single pair. */
export function unitName(role: EngineRole, index: number, counts: ReplicaCounts): string {
	return isSinglePair(counts) ? `engine-${role}` : `engine-${role}-${index + 1}`;
}

/** roles.<role> for the console's config: one address per role, or the replica list. */
export function labRoles(units: readonly {id: string; role: EngineRole; port: number}[], counts: ReplicaCounts): Record<EngineRole, RoleConfig> {
	const of = (role: EngineRole): RoleConfig => {
		const mine = units.filter((unit) => unit.role === role);
		if (isSinglePair(counts)) return `127.0.0.1:${mine[0]!.port}`;
		return mine.map((unit): ReplicaConfig => ({server: `127.0.0.1:${unit.port}`, metrics: `http://127.0.0.1:${unit.port}`, name: unit.id}));
	};
	return {stable: of('stable'), canary: of('canary')};
}

/** StatsSource over the lab's replicas: per role (combined) and per replica. */
export function labReplicaStats(units: () => readonly LabUnit[]): StatsSource {
	return {
		async read(engine, signal) {
			const mine = units().filter((unit) => unit.role === engine);
			if (mine.length === 1) return mine[0]!.stats.read(engine, signal);
			return combineReplicaReadings(await Promise.all(mine.map((unit) => unit.stats.read(engine, signal))));
		},
		async readReplica(id, signal) {
			const unit = units().find((candidate) => candidate.id === id);
			if (!unit) throw new Error(`no replica ${id} in the lab`);
			return unit.stats.read(unit.role, signal);
		},
	};
}
