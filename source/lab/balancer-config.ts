// The lab balancer's `nginx -t`: reads the upstream block the way nginx would and answers
// with nginx's words, so a bad file fails the same way in the demo as in production.

import {parseNginx, walkDirectives, type NginxDirective} from '../domain/nginx-syntax.ts';

export interface LabPeer {
	address: string;
	host: string;
	port: number;
	weight: number;
	down: boolean;
	backup: boolean;
	/** Failed attempts within failTimeoutMs that take the server out for failTimeoutMs; 0 never does. */
	maxFails: number;
	failTimeoutMs: number;
}

// nginx's defaults: one failed attempt takes a server out for ten seconds.
const DEFAULT_MAX_FAILS = 1;
const DEFAULT_FAIL_TIMEOUT_MS = 10_000;
const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** An `add_header NAME VALUE [always];` of the config: the lab balancer sends what nginx would. */
export interface LabAddHeader {
	name: string;
	/** The value as written; `$upstream_addr` is filled in per answer. */
	value: string;
	/** Without `always` nginx adds the header to 2xx and 3xx answers only (not to a 502). */
	always: boolean;
}

export type LabConfigCheck = {ok: true; output: string; peers: LabPeer[]; headers: LabAddHeader[]} | {ok: false; output: string};

const FLAGS = new Set(['down', 'backup']);
const NUMERIC = new Set(['max_fails', 'max_conns']);

function emerg(message: string, path: string, line: number): LabConfigCheck {
	return {ok: false, output: `nginx: [emerg] ${message} in ${path}:${line}\nnginx: configuration file ${path} test failed\n`};
}

function parsePeer(directive: NginxDirective, path: string): LabPeer | LabConfigCheck {
	const [, addressToken, ...params] = directive.words;
	if (!addressToken) return emerg('invalid number of arguments in "server" directive', path, directive.line);
	const address = addressToken.value;
	const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
	if (!match) return emerg(`the lab balancer needs host:port servers, not "${address}"`, path, directive.line);
	const peer: LabPeer = {address, host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]), weight: 1, down: false, backup: false, maxFails: DEFAULT_MAX_FAILS, failTimeoutMs: DEFAULT_FAIL_TIMEOUT_MS};
	for (const token of params) {
		const {value} = token;
		const [key, raw] = value.includes('=') ? [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)] : [value, null];
		if (raw === null && FLAGS.has(key)) {
			if (key === 'down') peer.down = true;
			else peer.backup = true;
		} else if (key === 'weight' && raw !== null && /^\d+$/.test(raw) && Number(raw) > 0) {
			// nginx refuses weight=0 with exactly this message; so do we.
			peer.weight = Number(raw);
		} else if (NUMERIC.has(key) && raw !== null && /^\d+$/.test(raw)) {
			// max_conns is accepted for faithfulness; the lab balancer does not enforce it.
			if (key === 'max_fails') peer.maxFails = Number(raw);
		} else if (key === 'fail_timeout' && raw !== null && /^\d+(ms|s|m|h)?$/.test(raw)) {
			const [, amount, unit = 's'] = /^(\d+)(ms|s|m|h)?$/.exec(raw)!;
			peer.failTimeoutMs = Number(amount) * UNIT_MS[unit]!;
		} else {
			return emerg(`invalid parameter "${value}"`, path, token.line);
		}
	}
	if (peer.down && peer.backup) return emerg('invalid parameter "down" for a backup server', path, directive.line);
	return peer;
}

/** Checks the file's text; on success returns the upstream's peers in file order. */
export function checkConfigText(text: string, path: string, upstream: string): LabConfigCheck {
	const tree = parseNginx(text);
	if (!Array.isArray(tree)) return emerg(tree.error, path, tree.line);
	const blocks = walkDirectives(tree).filter(d => d.children && d.words[0]?.value === 'upstream');
	const seen = new Set<string>();
	for (const block of blocks) {
		if (block.words.length !== 2) return emerg('invalid number of arguments in "upstream" directive', path, block.line);
		const name = block.words[1]!.value;
		if (seen.has(name)) return emerg(`duplicate upstream "${name}"`, path, block.line);
		seen.add(name);
	}
	const block = blocks.find(b => b.words[1]!.value === upstream);
	if (!block) return {ok: false, output: `nginx: [emerg] host not found in upstream "${upstream}" in ${path}\nnginx: configuration file ${path} test failed\n`};
	const peers: LabPeer[] = [];
	for (const child of block.children!) {
		if (child.words[0]?.value !== 'server') continue;
		if (child.children) return emerg('"server" directive is not allowed here', path, child.line);
		const peer = parsePeer(child, path);
		if ('ok' in peer) return peer;
		peers.push(peer);
	}
	if (peers.length === 0) return emerg('no servers are inside upstream', path, block.line);
	// Every add_header of the file, wherever it stands: the lab serves one location, so nginx's
	// rule that a level with its own add_header drops the outer ones makes no difference here.
	const headers: LabAddHeader[] = [];
	for (const directive of walkDirectives(tree)) {
		if (directive.children || directive.words[0]?.value !== 'add_header') continue;
		const [, name, value, flag, ...rest] = directive.words.map((w) => w.value);
		if (!name || value === undefined || rest.length > 0 || (flag !== undefined && flag !== 'always')) {
			return emerg('invalid number of arguments in "add_header" directive', path, directive.line);
		}
		headers.push({name, value, always: flag === 'always'});
	}
	return {
		ok: true,
		peers,
		headers,
		output: `nginx: the configuration file ${path} syntax is ok\nnginx: configuration file ${path} test is successful\n`,
	};
}
