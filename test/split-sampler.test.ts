import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {createSmoothWrr} from '../source/domain/smooth-wrr.ts';
import {explainSplit, lastUpstreamAddress, sampleSplit, splitMatches, verifySplit, type SplitSample} from '../source/adapters/split-sampler.ts';

const roles = {stable: 'engine-stable:8080', canary: 'engine-canary:8080'};

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
	const sockets = new Set<unknown>();
	const paths: string[] = [];
	const server = createServer((req, res) => {
		paths.push(`${req.method} ${req.url}`);
		handler(req, res);
	});
	server.on('connection', (socket) => sockets.add(socket));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		paths,
		sockets,
		close: () => new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

/** A balancer stand-in: nginx's smooth weighted round-robin, naming the peer in X-Upstream as nginx does. */
function balancer(stable: number, canary: number, header = (address: string) => address) {
	const wrr = createSmoothWrr([{id: roles.stable, weight: stable}, {id: roles.canary, weight: canary}]);
	return (_req: IncomingMessage, res: ServerResponse) => {
		res.setHeader('X-Upstream', header(wrr.pick()!));
		res.setHeader('Content-Type', 'application/json');
		res.end('{"status":"healthy"}');
	};
}

test('200 samples over keep-alive see a 90/10 split and match it', async (t) => {
	const server = await serve(balancer(90, 10));
	try {
		const sample = await sampleSplit({url: server.url, roles});
		t.diagnostic(`200 samples in ${sample.ms.toFixed(1)} ms over ${server.sockets.size} connections`);
		assert.equal(sample.n, 200);
		assert.deepEqual({stable: sample.stable, canary: sample.canary, unknown: sample.unknown, errors: sample.errors}, {stable: 180, canary: 20, unknown: 0, errors: 0});
		assert.deepEqual(sample.observed, {stable: 90, canary: 10});
		assert.equal(sample.method, 'X-Upstream');
		assert.ok(sample.interval && sample.interval.low < 10 && sample.interval.high > 10);
		assert.equal(splitMatches(sample, {stable: 90, canary: 10}), true);
		assert.equal(splitMatches(sample, {stable: 50, canary: 50}), false);
		// Keep-alive: a handful of connections, not one per request.
		assert.ok(server.sockets.size <= 4, `${server.sockets.size} connections`);
		assert.ok(server.paths.every((p) => p === 'GET /healthz'), 'GET, never HEAD');
		assert.ok(sample.ms < 2000);
	} finally {
		await server.close();
	}
});

test('after a retry nginx lists several addresses: the last one answered', async () => {
	assert.equal(lastUpstreamAddress('10.0.0.2:8080, 10.0.0.3:8080'), '10.0.0.3:8080');
	assert.equal(lastUpstreamAddress('10.0.0.2:8080 : 10.0.0.3:8080'), '10.0.0.3:8080');
	assert.equal(lastUpstreamAddress('[::1]:8081'), '[::1]:8081');
	const server = await serve(balancer(50, 50, (address) => `${address === roles.stable ? roles.canary : roles.stable}, ${address}`));
	try {
		const sample = await sampleSplit({url: server.url, roles, n: 40});
		assert.deepEqual([sample.stable, sample.canary], [20, 20]);
	} finally {
		await server.close();
	}
});

test('resolved addresses are attributed through the role names and aliases', async () => {
	// nginx writes the resolved address into $upstream_addr, not the name from the config.
	const server = await serve(balancer(1, 1, (address) => (address === roles.stable ? '127.0.0.1:8081' : '172.18.0.3:8080')));
	try {
		const sample = await sampleSplit({url: server.url, roles: {stable: 'localhost:8081', canary: roles.canary}, aliases: {'172.18.0.3:8080': 'canary'}, n: 20});
		assert.deepEqual([sample.stable, sample.canary, sample.unknown], [10, 10, 0]);
	} finally {
		await server.close();
	}
});

test('without X-Upstream the /healthz version tells the engines apart', async () => {
	let i = 0;
	const server = await serve((_req, res) => {
		res.setHeader('Content-Type', 'application/json');
		res.end(JSON.stringify({status: 'healthy', version: i++ % 4 === 0 ? '1.2.0' : '1.1.0'}));
	});
	try {
		const sample = await sampleSplit({url: server.url, roles, versions: {stable: '1.1.0', canary: '1.2.0'}, n: 100, concurrency: 1});
		assert.equal(sample.method, 'version');
		assert.deepEqual([sample.stable, sample.canary, sample.unknown], [75, 25, 0]);
		assert.equal(splitMatches(sample, {stable: 75, canary: 25}), true);
		// Equal versions cannot tell anything apart: unknown, never guessed.
		const blind = await sampleSplit({url: server.url, roles, versions: {stable: '1.1.0', canary: '1.1.0'}, n: 10});
		assert.equal(blind.unknown, 10);
		assert.equal(blind.interval, null);
		const reason = explainSplit(blind, {stable: 50, canary: 50}).reason;
		assert.match(reason, /both engines report version 1\.1\.0/);
		assert.ok(reason.includes('add_header X-Upstream $upstream_addr always;'), reason);
	} finally {
		await server.close();
	}
});

test('a connection cut by a reload is retried once', async () => {
	let count = 0;
	const answer = balancer(90, 10);
	const server = await serve((req, res) => {
		count++;
		// As a reload does: the keep-alive connection dies under a request.
		if (count === 5 || count === 30) {
			req.socket.destroy();
			return;
		}
		answer(req, res);
	});
	try {
		const sample = await sampleSplit({url: server.url, roles, n: 50, concurrency: 2});
		assert.equal(sample.errors, 0);
		assert.equal(sample.stable + sample.canary, 50);
	} finally {
		await server.close();
	}
});

test('a balancer that always cuts the connection gives errors, not an exception', async () => {
	const server = await serve((req) => req.socket.destroy());
	try {
		const sample = await sampleSplit({url: server.url, roles, n: 6, concurrency: 2});
		assert.equal(sample.errors, 6);
		assert.equal(server.paths.length, 12, 'each request tried exactly twice');
		assert.ok(sample.firstError);
		assert.equal(splitMatches(sample, {stable: 100, canary: 0}), false);
		assert.match(explainSplit(sample, {stable: 100, canary: 0}).reason, /6 of 6 requests failed/);
	} finally {
		await server.close();
	}
});

function fakeSample(stable: number, canary: number): SplitSample {
	const n = stable + canary;
	return {n, stable, canary, unknown: 0, errors: 0, ms: 1, observed: {stable: (100 * stable) / n, canary: (100 * canary) / n}, interval: null, method: 'X-Upstream'};
}

test('0 % and 100 % are exact: one answer from the down server fails the match', () => {
	assert.equal(splitMatches(fakeSample(200, 0), {stable: 100, canary: 0}), true);
	assert.equal(splitMatches(fakeSample(199, 1), {stable: 100, canary: 0}), false);
	assert.equal(splitMatches(fakeSample(0, 200), {stable: 0, canary: 100}), true);
	assert.equal(splitMatches(fakeSample(1, 199), {stable: 0, canary: 100}), false);
	assert.equal(splitMatches(fakeSample(3, 2), {stable: 100, canary: 0}), false, 'too few answers');
});

test('verifySplit samples again until the reload has taken effect', async () => {
	let clock = 0;
	const samples = [{stable: 144, canary: 56}, {stable: 100, canary: 100}];
	const intervals = (s: {stable: number; canary: number}) => {
		const sample = fakeSample(s.stable, s.canary);
		return {...sample, interval: s.stable === 100 ? {low: 41, high: 59} : {low: 20, high: 36}};
	};
	const result = await verifySplit({
		url: 'http://unused', roles, split: {stable: 50, canary: 50},
		now: () => clock, sleep: async (ms) => void (clock += ms),
		sample: async () => intervals(samples.shift()!),
	});
	assert.equal(result.verified, true);
	assert.equal(result.attempts, 2);

	clock = 0;
	const stuck = await verifySplit({
		url: 'http://unused', roles, split: {stable: 0, canary: 100}, timeoutMs: 3000,
		now: () => clock, sleep: async (ms) => void (clock += ms),
		sample: async () => {
			clock += 100;
			return fakeSample(180, 20);
		},
	});
	assert.equal(stuck.verified, false);
	assert.ok(stuck.attempts >= 5 && stuck.attempts <= 10, `${stuck.attempts} attempts`);
	assert.match(stuck.reason, /180 of 200 answers still from stable/);
});

test('a balancer that never answers costs one timeout per request, not a hang', async () => {
	const server = await serve(() => {});
	try {
		const started = Date.now();
		const sample = await sampleSplit({url: server.url, roles, n: 4, concurrency: 4, timeoutMs: 150});
		assert.equal(sample.errors, 4);
		assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
	} finally {
		await server.close();
	}
});

/** An engine's own /healthz: its version. */
const engineAt = (version: string) => serve((_req, res) => {
	res.setHeader('Content-Type', 'application/json');
	res.end(JSON.stringify({status: 'healthy', version}));
});

/** The guide's nginx: smooth weighted round-robin, no X-Upstream, the engine's body passed through. */
function guideBalancer(stable: number, canary: number, versions: {stable: string; canary: string}) {
	const wrr = createSmoothWrr([{id: 'stable', weight: stable}, {id: 'canary', weight: canary}]);
	return (_req: IncomingMessage, res: ServerResponse) => {
		res.setHeader('Content-Type', 'application/json');
		res.end(JSON.stringify({status: 'healthy', version: versions[wrr.pick() as 'stable' | 'canary']}));
	};
}

test('on the guide config (no X-Upstream) answers are attributed by the version each engine reports on its own URL', async () => {
	const [stable, canary, balancer_] = await Promise.all([engineAt('1.1.0'), engineAt('1.2.0'), serve(guideBalancer(90, 10, {stable: '1.1.0', canary: '1.2.0'}))]);
	try {
		const sample = await sampleSplit({url: balancer_.url, roles, versionUrls: {stable: stable.url, canary: canary.url}, n: 200});
		assert.equal(sample.method, 'version');
		assert.deepEqual(sample.versions, {stable: '1.1.0', canary: '1.2.0'});
		assert.deepEqual([sample.stable, sample.canary, sample.unknown], [180, 20, 0]);
		assert.equal(sample.attributed, 200);
		assert.equal(explainSplit(sample, {stable: 90, canary: 10}).matches, true);
		assert.match(explainSplit(sample, {stable: 90, canary: 10}).reason, /over 200 answers by version/);
		assert.equal(splitMatches(sample, {stable: 100, canary: 0}), false);
		assert.deepEqual(stable.paths, ['GET /healthz'], 'one read of the version per sample');
	} finally {
		await Promise.all([stable.close(), canary.close(), balancer_.close()]);
	}
});

test('X-Upstream stays the first choice: a mapped header wins over the version in the body', async () => {
	const [stable, canary] = await Promise.all([engineAt('1.1.0'), engineAt('1.2.0')]);
	const server = await serve((_req, res) => {
		res.setHeader('X-Upstream', roles.canary);
		res.end(JSON.stringify({version: '1.1.0'}));
	});
	try {
		const sample = await sampleSplit({url: server.url, roles, versionUrls: {stable: stable.url, canary: canary.url}, n: 20});
		assert.equal(sample.method, 'X-Upstream');
		assert.deepEqual([sample.stable, sample.canary], [0, 20]);
	} finally {
		await Promise.all([stable.close(), canary.close(), server.close()]);
	}
});

test('with the canary engine down, answers naming the stable version still count; others stay unattributed', async () => {
	const stable = await engineAt('1.1.0');
	const server = await serve(guideBalancer(1, 1, {stable: '1.1.0', canary: '1.2.0'}));
	try {
		const sample = await sampleSplit({url: server.url, roles, versionUrls: {stable: stable.url, canary: 'http://127.0.0.1:1'}, n: 40, concurrency: 1});
		assert.deepEqual(sample.versions, {stable: '1.1.0', canary: null});
		assert.deepEqual([sample.stable, sample.canary, sample.unknown], [20, 0, 20]);
		assert.equal(splitMatches(sample, {stable: 100, canary: 0}), false, 'the unattributed half may be the canary');
	} finally {
		await Promise.all([stable.close(), server.close()]);
	}
});

test('answers that name neither engine say what they were: the first one\'s status, type and words, control sequences stripped', async () => {
	const server = await serve((_req, res) => {
		res.statusCode = 502;
		res.setHeader('Content-Type', 'text/html; charset=utf-8');
		res.end('<html>\n<head><title>502 Bad Gateway</title>\x1b[2J</head></html>');
	});
	try {
		const sample = await sampleSplit({url: server.url, roles, versions: {stable: '1.1.0', canary: '1.2.0'}, n: 8, concurrency: 2});
		assert.deepEqual([sample.unknown, sample.method], [8, 'none']);
		assert.equal(sample.attributionProblem, 'the nginx config sets no X-Upstream header; some answers named neither engine\'s version (the first: HTTP 502 text/html: "<html> <head><title>502 Bad Gateway</title></head></html>")');
	} finally {
		await server.close();
	}
});

function sampleOf(stable: number, canary: number, unknown: number, problem = 'the nginx config sets no X-Upstream header; the engines\' versions are unknown'): SplitSample {
	const attributed = stable + canary;
	const share = attributed > 0 ? (100 * canary) / attributed : 0;
	return {
		n: attributed + unknown, stable, canary, unknown, errors: 0, ms: 1,
		observed: attributed > 0 ? {stable: 100 - share, canary: share} : {stable: 0, canary: 0},
		interval: attributed > 0 ? {low: Math.max(0, share - 8), high: Math.min(100, share + 8)} : null,
		method: attributed > 0 ? 'version' : 'none', attributed, unattributed: unknown,
		...(unknown > 0 ? {attributionProblem: problem} : {}),
	};
}

test('unattributed answers count against verification', () => {
	// 100/0 and 0/100 need every answer attributed: one unknown may be the server that should be gone.
	assert.equal(splitMatches(sampleOf(200, 0, 0), {stable: 100, canary: 0}), true);
	const one = explainSplit(sampleOf(199, 0, 1), {stable: 100, canary: 0});
	assert.equal(one.matches, false);
	assert.match(one.reason, /100\/0 needs every answer attributed; 1 of 200 were not/);
	assert.equal(splitMatches(sampleOf(0, 199, 1), {stable: 0, canary: 100}), false);
	// An intermediate split tolerates a few, not many.
	assert.equal(splitMatches(sampleOf(180, 18, 2), {stable: 90, canary: 10}), true);
	const many = explainSplit(sampleOf(150, 20, 30), {stable: 90, canary: 10});
	assert.equal(many.matches, false);
	assert.match(many.reason, /too few answers attributed: 170 of 200 \(30 unattributed/);
	const few = explainSplit(sampleOf(9, 1, 190), {stable: 90, canary: 10});
	assert.equal(few.matches, false);
	assert.match(few.reason, /too few answers attributed: 10 of 200/);
	// Nothing attributed: NOT VERIFIED names the line to add to nginx.
	const none = explainSplit(sampleOf(0, 0, 200), {stable: 100, canary: 0});
	assert.equal(none.matches, false);
	assert.match(none.reason, /none of 200 answers could be attributed: the nginx config sets no X-Upstream header/);
	assert.ok(none.reason.includes('Add `add_header X-Upstream $upstream_addr always;` to the location'), none.reason);
});
