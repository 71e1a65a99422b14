// The nginx upstream block that splits traffic between the stable and canary engines:
// find it, read its split, and rewrite only the weights, keeping every other byte.

import type {EngineRole} from './engine.ts';
import {serversOf, type RolesConfig} from './replicas.ts';
import {replicaWeights, splitOfTotals} from './replica-weights.ts';
import {parseNginx, walkDirectives, type NginxDirective, type NginxToken} from './nginx-syntax.ts';

/** Integer percentages that sum to 100. */
export interface Split {
	stable: number;
	canary: number;
}

/** Server addresses of the two engines, e.g. 'engine-stable:8080' or '127.0.0.1:9101'. */
export interface Roles {
	stable: string;
	canary: string;
}

export interface UpstreamServer {
	address: string;
	weight: number;
	down: boolean;
	backup: boolean;
	role: EngineRole | null;
	/** Offsets of the `server ...;` directive in the config text. */
	start: number;
	end: number;
}

export interface UpstreamBlock {
	name: string;
	servers: UpstreamServer[];
	start: number;
	end: number;
	text: string;
	/** The servers the config names per role (one address, or the replicas' servers). */
	configured?: Record<EngineRole, string[]>;
}

interface ServerNode {
	server: UpstreamServer;
	directive: NginxDirective;
	weightTokens: NginxToken[];
	downTokens: NginxToken[];
}

export const DEFAULT_STAGES: Split[] = [
	{stable: 90, canary: 10},
	{stable: 50, canary: 50},
	{stable: 0, canary: 100},
];

export function formatSplit(s: Split): string {
	return `${s.stable}/${s.canary}`;
}

export function splitEquals(a: Split, b: Split): boolean {
	return a.stable === b.stable && a.canary === b.canary;
}

function checkSplit(split: Split): string | null {
	const {stable, canary} = split;
	if (![stable, canary].every(n => Number.isInteger(n) && n >= 0 && n <= 100)) {
		return `split ${formatSplit(split)} must be two whole numbers from 0 to 100`;
	}
	if (stable === 0 && canary === 0) return 'split 0/0 would send traffic nowhere';
	if (stable + canary !== 100) return `split ${formatSplit(split)} adds up to ${stable + canary}, not 100`;
	return null;
}

/** "90/10" -> {stable: 90, canary: 10}; integers 0..100 summing to 100. */
export function parseSplit(text: string): Split | {error: string} {
	const match = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(text);
	if (!match) return {error: `"${text}" is not a split: write stable/canary percentages, e.g. 90/10`};
	const split = {stable: Number(match[1]), canary: Number(match[2])};
	const problem = checkSplit(split);
	return problem ? {error: problem} : split;
}

/** The stage after `current`: its successor in the list, or the first with more canary traffic. */
export function nextStage(current: Split, stages: Split[]): Split | null {
	const index = stages.findIndex(stage => splitEquals(stage, current));
	if (index >= 0) return stages[index + 1] ?? null;
	return stages.find(stage => stage.canary > current.canary) ?? null;
}

function roleOf(address: string, roles: RolesConfig): EngineRole | null {
	if (serversOf(roles, 'stable').includes(address)) return 'stable';
	if (serversOf(roles, 'canary').includes(address)) return 'canary';
	const stable = address.includes('stable');
	const canary = address.includes('canary');
	if (stable && !canary) return 'stable';
	if (canary && !stable) return 'canary';
	return null;
}

function toServer(directive: NginxDirective, roles: RolesConfig): ServerNode | {error: string} {
	const [, addressToken, ...params] = directive.words;
	if (!addressToken) return {error: `"server" without an address on line ${directive.line}`};
	const weightTokens = params.filter(p => p.value.startsWith('weight='));
	const downTokens = params.filter(p => p.value === 'down');
	const address = addressToken.value;
	if (weightTokens.length > 1) return {error: `server ${address} has more than one weight on line ${directive.line}`};
	let weight = 1;
	if (weightTokens[0]) {
		const raw = weightTokens[0].value.slice('weight='.length);
		weight = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
	}
	return {
		directive,
		weightTokens,
		downTokens,
		server: {
			address,
			weight,
			down: downTokens.length > 0,
			backup: params.some(p => p.value === 'backup'),
			role: roleOf(address, roles),
			start: directive.start,
			end: directive.end,
		},
	};
}

interface Located {
	block: UpstreamBlock;
	nodes: ServerNode[];
}

function locate(config: string, name: string, roles: RolesConfig): Located | {error: string} {
	const tree = parseNginx(config);
	if (!Array.isArray(tree)) return {error: `the config cannot be read: ${tree.error} on line ${tree.line}`};
	const matches = walkDirectives(tree).filter(
		d => d.children && d.words[0]?.value === 'upstream' && d.words[1]?.value === name && d.words.length === 2,
	);
	if (matches.length === 0) return {error: `no "upstream ${name}" block in the config`};
	if (matches.length > 1) {
		const lines = matches.map(d => d.line).join(', ');
		return {error: `${matches.length} "upstream ${name}" blocks in the config (lines ${lines}); expected one`};
	}
	const directive = matches[0]!;
	const nodes: ServerNode[] = [];
	for (const child of directive.children!) {
		if (child.words[0]?.value !== 'server' || child.children) continue;
		const node = toServer(child, roles);
		if ('error' in node) return node;
		nodes.push(node);
	}
	return {
		nodes,
		block: {
			name,
			servers: nodes.map(n => n.server),
			start: directive.start,
			end: directive.end,
			text: config.slice(directive.start, directive.end),
			configured: {stable: serversOf(roles, 'stable'), canary: serversOf(roles, 'canary')},
		},
	};
}

export function findUpstream(config: string, name: string, roles: RolesConfig): UpstreamBlock | {error: string} {
	const located = locate(config, name, roles);
	return 'error' in located ? located : located.block;
}

/**
 * The servers of each role. One configured server: exactly one in the block (matched by address
 * or by name). Replicas: exactly the listed addresses, once each. Refuses backup or malformed ones.
 */
function roleServers<T extends {server: UpstreamServer}>(items: T[], name: string, configured?: Record<EngineRole, string[]>): Record<EngineRole, T[]> | {error: string} {
	const found: Record<EngineRole, T[]> = {stable: [], canary: []};
	for (const role of ['stable', 'canary'] as const) {
		const mine = items.filter(item => item.server.role === role);
		const listed = configured?.[role] ?? [];
		if (mine.length === 0) return {error: `upstream ${name} has no ${role} server`};
		if (listed.length <= 1 && mine.length > 1) {
			return {error: `upstream ${name} has ${mine.length} ${role} servers (${mine.map(m => m.server.address).join(', ')}); expected one`};
		}
		if (listed.length > 1) {
			const missing = listed.filter(address => !mine.some(m => m.server.address === address));
			if (missing.length > 0) return {error: `upstream ${name} has no server ${missing.join(', ')} (roles.${role} lists ${missing.length === 1 ? 'it' : 'them'})`};
			const extra = mine.filter((m, i) => !listed.includes(m.server.address) || mine.findIndex(o => o.server.address === m.server.address) !== i);
			if (extra.length > 0) return {error: `upstream ${name} has ${role} server ${extra.map(m => m.server.address).join(', ')} beyond the ${listed.length} roles.${role} lists; expected each once`};
		}
		for (const {server} of mine) {
			if (server.backup) return {error: `${role} server ${server.address} is marked backup; weights apply to primary servers only`};
			if (!Number.isInteger(server.weight) || server.weight < 0) return {error: `${role} server ${server.address} has an invalid weight`};
		}
		found[role] = mine;
	}
	return found;
}

/** The configured split in percent: `down` counts as 0, each role's weights summed and scaled to 100. */
export function readSplit(block: UpstreamBlock): Split | {error: string} {
	const servers = roleServers(block.servers.map(server => ({server})), block.name, block.configured);
	if ('error' in servers) return servers;
	const total = (role: EngineRole) => servers[role].reduce((sum, {server}) => sum + (server.down ? 0 : server.weight), 0);
	const split = splitOfTotals({stable: total('stable'), canary: total('canary')});
	const what = servers.stable.length + servers.canary.length > 2 ? 'all servers' : 'both servers';
	return split ?? {error: `${what} of upstream ${block.name} are down or weight 0`};
}

interface Edit {
	start: number;
	end: number;
	text: string;
}

/** Removes a parameter together with the blanks before it, so `a weight=5 down;` -> `a weight=5;`. */
function removal(config: string, token: NginxToken): Edit {
	let start = token.start;
	while (start > 0 && (config[start - 1] === ' ' || config[start - 1] === '\t')) start--;
	return {start, end: token.end, text: ''};
}

function serverEdits(config: string, node: ServerNode, weightOf: number): Edit[] {
	const edits: Edit[] = [];
	const address = node.directive.words[1]!;
	const [weight] = node.weightTokens;
	const [down, ...extraDowns] = node.downTokens;
	for (const extra of extraDowns) edits.push(removal(config, extra));
	if (weightOf === 0) {
		// nginx rejects weight=0 (`invalid parameter "weight=0"`); `down` takes the server out.
		if (down) {
			if (weight) edits.push(removal(config, weight));
		} else if (weight) {
			edits.push({start: weight.start, end: weight.end, text: 'down'});
		} else {
			edits.push({start: address.end, end: address.end, text: ' down'});
		}
		return edits;
	}
	const text = `weight=${weightOf}`;
	if (weight) {
		if (config.slice(weight.start, weight.end) !== text) edits.push({start: weight.start, end: weight.end, text});
		if (down) edits.push(removal(config, down));
	} else if (down) {
		edits.push({start: down.start, end: down.end, text});
	} else {
		edits.push({start: address.end, end: address.end, text: ` ${text}`});
	}
	return edits;
}

/** The config with every role server set to its share of the split (replica-weights.ts); every other byte is kept. */
export function renderSplit(config: string, name: string, roles: RolesConfig, split: Split): {text: string} | {error: string} {
	const problem = checkSplit(split);
	if (problem) return {error: problem};
	const located = locate(config, name, roles);
	if ('error' in located) return located;
	const servers = roleServers(located.nodes, name, located.block.configured);
	if ('error' in servers) return servers;
	const weights = replicaWeights(split, {stable: servers.stable.length, canary: servers.canary.length});
	const edits = (['stable', 'canary'] as const).flatMap(role => servers[role].flatMap(node => serverEdits(config, node, weights[role])));
	edits.sort((a, b) => b.start - a.start);
	let text = config;
	for (const edit of edits) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
	return {text};
}

/** Whole lines that hold the upstream block (with the first line's indentation and trailing comment). */
function blockLines(config: string, name: string, roles: RolesConfig): string[] | null {
	const block = findUpstream(config, name, roles);
	if ('error' in block) return null;
	const from = config.lastIndexOf('\n', block.start - 1) + 1;
	const newline = config.indexOf('\n', block.end);
	const to = newline === -1 ? config.length : newline;
	return config.slice(from, to).split('\n');
}

/** A line diff of the upstream block: '- ' removed, '+ ' added, '  ' unchanged. */
export function upstreamDiff(before: string, after: string, name: string, roles: RolesConfig): string[] {
	const a = blockLines(before, name, roles) ?? [];
	const b = blockLines(after, name, roles) ?? [];
	// Longest common subsequence table; blocks are a handful of lines.
	const lcs: number[][] = Array.from({length: a.length + 1}, () => new Array<number>(b.length + 1).fill(0));
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) {
			lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
		}
	}
	const out: string[] = [];
	let i = 0;
	let j = 0;
	while (i < a.length || j < b.length) {
		if (i < a.length && j < b.length && a[i] === b[j]) {
			out.push(`  ${a[i]}`);
			i++;
			j++;
		} else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
			// Removals print before additions at the same place, as diff tools do.
			out.push(`- ${a[i]}`);
			i++;
		} else {
			out.push(`+ ${b[j]}`);
			j++;
		}
	}
	return out;
}
