// The lab balancer: a small weighted HTTP proxy for the demo when nginx is not installed.
// It is a lab part, not the product path (production is always real nginx). It reads the
// same upstream block from the same file, spreads requests with nginx's smooth weighted
// round-robin, and re-reads the file only on reload, as `nginx -s reload` does. Like nginx's
// passive health checks it takes a server that failed out for fail_timeout and passes the
// request on to the next server (proxy_next_upstream error timeout), so a crashed engine
// costs its clients nothing while the other one answers. It adds only the headers the file
// asks for (`add_header X-Upstream $upstream_addr always;`), as nginx does: on the guide's config
// no answer says which engine served it, so the lab is no kinder than the deployment.

import http from 'node:http';
import {readFile} from 'node:fs/promises';
import type {AddressInfo} from 'node:net';
import type {Roles} from '../domain/upstream.ts';
import type {RolesConfig} from '../domain/replicas.ts';
import {createSmoothWrr, type SmoothWrr} from '../domain/smooth-wrr.ts';
import {checkConfigText, type LabAddHeader, type LabPeer} from './balancer-config.ts';

export const LAB_BALANCER_SERVER = 'canary-console-lab-balancer';

export interface BalancerHandle {
	port: number;
	reload(): Promise<{ok: boolean; message: string}>;
	close(): Promise<void>;
}

export interface BalancerOptions {
	configPath: string;
	upstream: string;
	roles: Roles;
	/** 0 picks a free port; the handle reports the real one. */
	port: number;
	host?: string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'server', 'date']);

/** The lab's `nginx -t`: nginx-like messages, and weight=0 is refused as nginx refuses it. */
export async function checkConfig(configPath: string, upstream: string, _roles: RolesConfig): Promise<{ok: boolean; output: string}> {
	let text: string;
	try {
		text = await readFile(configPath, 'utf8');
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code ?? String(error);
		return {ok: false, output: `nginx: [emerg] open() "${configPath}" failed (${reason})\nnginx: configuration file ${configPath} test failed\n`};
	}
	const check = checkConfigText(text, configPath, upstream);
	return {ok: check.ok, output: check.output};
}

/** A server's failures as nginx counts them (ngx_http_upstream_round_robin.c). */
interface PeerHealth {
	fails: number;
	/** When the failures were counted, or when the server was last let through on probation. */
	checkedAt: number;
}

interface Live {
	peers: LabPeer[];
	headers: LabAddHeader[];
	wrr: SmoothWrr<LabPeer>;
	/** Fresh at each reload, as new nginx workers start with no failures counted. */
	health: Map<LabPeer, PeerHealth>;
}

function prepare(peers: LabPeer[], headers: LabAddHeader[]): Live {
	// Backup servers only take traffic when every primary has failed; the lab leaves them out.
	const primaries = peers.filter(p => !p.backup);
	return {peers, headers, wrr: createSmoothWrr(primaries.map(p => ({id: p, weight: p.weight, down: p.down}))), health: new Map(peers.map(p => [p, {fails: 0, checkedAt: 0}]))};
}

/** Out of rotation: max_fails failures counted, and fail_timeout not yet over since. */
function failed(live: Live, peer: LabPeer, now: number): boolean {
	const health = live.health.get(peer)!;
	return peer.maxFails > 0 && health.fails >= peer.maxFails && now - health.checkedAt <= peer.failTimeoutMs;
}

/** $upstream_addr: every server a request was tried on, in order, the one that answered last. */
function upstreamAddr(tried: Set<LabPeer>): string {
	return [...tried].map(p => p.address).join(', ');
}

// nginx passes a request on after a failure unless it may have acted on it already: a method
// that is not idempotent, once the request was sent (proxy_next_upstream without non_idempotent).
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

function describePeers(peers: LabPeer[]): string {
	return peers.map(p => `${p.address} ${p.down ? 'down' : `weight=${p.weight}`}${p.backup ? ' backup' : ''}`).join(', ');
}

// nginx adds a header without `always` to these statuses only (ngx_http_headers_filter_module).
const ADD_HEADER_STATUSES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

/** The config's add_header lines for an answer with this status, $upstream_addr filled in. */
function addedHeaders(headers: LabAddHeader[], status: number, upstreamAddr: string): http.OutgoingHttpHeaders {
	const out: http.OutgoingHttpHeaders = {};
	for (const header of headers) {
		if (header.always || ADD_HEADER_STATUSES.has(status)) out[header.name.toLowerCase()] = header.value.replaceAll('$upstream_addr', upstreamAddr);
	}
	return out;
}

function sendBadGateway(res: http.ServerResponse, headers: LabAddHeader[], upstreamAddr: string): void {
	if (res.headersSent) {
		res.destroy();
		return;
	}
	const body = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
	res.writeHead(502, {'content-type': 'text/html', 'content-length': Buffer.byteLength(body), ...addedHeaders(headers, 502, upstreamAddr), server: LAB_BALANCER_SERVER});
	res.end(body);
}

export async function startBalancer(options: BalancerOptions): Promise<BalancerHandle> {
	const {configPath, upstream} = options;
	const first = checkConfigText(await readFile(configPath, 'utf8'), configPath, upstream);
	if (!first.ok) throw new Error(first.output.trim());
	let live = prepare(first.peers, first.headers);
	const agent = new http.Agent({keepAlive: true, maxSockets: 64, maxFreeSockets: 64});

	/** The next live server for this request, skipping failed ones and those it already tried. */
	function choose(tried: Set<LabPeer>): LabPeer | null {
		const now = Date.now();
		const peer = live.wrr.pick(p => tried.has(p) || failed(live, p, now));
		if (peer === null) {
			// Every server failed: nginx forgets the failures and answers 502 ("no live upstreams"),
			// so the next request tries them all again.
			for (const health of live.health.values()) health.fails = 0;
			return null;
		}
		const health = live.health.get(peer)!;
		// Past fail_timeout a failed server gets one request on probation; others still skip it.
		if (peer.maxFails > 0 && health.fails >= peer.maxFails) health.checkedAt = now;
		tried.add(peer);
		return peer;
	}

	function markFailed(peer: LabPeer): void {
		const health = live.health.get(peer);
		if (!health || peer.maxFails === 0) return;
		health.fails++;
		health.checkedAt = Date.now();
	}

	function markOk(peer: LabPeer): void {
		const health = live.health.get(peer);
		if (health) health.fails = 0;
	}

	function dispatch(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: Set<LabPeer>): void {
		const peer = choose(tried);
		// nginx reports the upstream group's name in $upstream_addr when no server is live.
		if (peer === null) sendBadGateway(res, live.headers, tried.size === 0 ? upstream : upstreamAddr(tried));
		else forward(req, res, peer, body, false, tried);
	}

	function forward(req: http.IncomingMessage, res: http.ServerResponse, peer: LabPeer, body: Buffer, retried: boolean, tried: Set<LabPeer>): void {
		const headers: http.OutgoingHttpHeaders = {};
		for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
		headers.host = peer.address;
		if (body.length > 0 || headers['content-length'] !== undefined) headers['content-length'] = body.length;
		const outgoing = http.request({host: peer.host, port: peer.port, method: req.method, path: req.url, headers, agent});
		outgoing.setTimeout(60_000, () => outgoing.destroy(new Error('upstream timed out')));
		let sent = false;
		outgoing.on('socket', socket => {
			// A pooled socket is connected already; a new one once it connects. Before that nothing was sent.
			if (outgoing.reusedSocket) sent = true;
			else socket.once('connect', () => (sent = true));
		});
		outgoing.on('response', upstreamRes => {
			markOk(peer);
			const out: http.OutgoingHttpHeaders = {};
			for (const [name, value] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
			const status = upstreamRes.statusCode ?? 502;
			Object.assign(out, addedHeaders(live.headers, status, upstreamAddr(tried)));
			out.server = LAB_BALANCER_SERVER;
			res.writeHead(status, out);
			upstreamRes.pipe(res);
			upstreamRes.on('error', () => res.destroy());
		});
		outgoing.on('error', () => {
			if (res.headersSent) return void res.destroy();
			// A pooled keep-alive connection the engine closed meanwhile: retry once on a fresh one.
			if (outgoing.reusedSocket && !retried) return forward(req, res, peer, body, true, tried);
			markFailed(peer);
			if (!sent || IDEMPOTENT.has(req.method ?? 'GET')) dispatch(req, res, body, tried);
			else sendBadGateway(res, live.headers, upstreamAddr(tried));
		});
		outgoing.end(body);
	}

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('error', () => res.destroy());
		// The body is buffered (nginx's proxy_request_buffering does the same) so a retry can resend it.
		req.on('end', () => dispatch(req, res, Buffer.concat(chunks), new Set()));
	});
	server.keepAliveTimeout = 65_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});

	return {
		port: (server.address() as AddressInfo).port,
		async reload() {
			let text: string;
			try {
				text = await readFile(configPath, 'utf8');
			} catch (error) {
				return {ok: false, message: `reload refused, old configuration kept: cannot read ${configPath}: ${String(error)}`};
			}
			const check = checkConfigText(text, configPath, upstream);
			if (!check.ok) return {ok: false, message: `reload refused, old configuration kept: ${check.output.trim()}`};
			live = prepare(check.peers, check.headers);
			return {ok: true, message: `reloaded upstream ${upstream}: ${describePeers(check.peers)}`};
		},
		async close() {
			const closed = new Promise<void>(resolve => server.close(() => resolve()));
			server.closeAllConnections();
			agent.destroy();
			await closed;
		},
	};
}
