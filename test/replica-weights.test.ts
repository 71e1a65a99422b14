import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {replicaWeights} from '../source/domain/replica-weights.ts';
import {createSmoothWrr} from '../source/domain/smooth-wrr.ts';
import {findUpstream, readSplit, renderSplit, upstreamDiff, type Split, type UpstreamBlock} from '../source/domain/upstream.ts';

test('the brief\'s examples: 50/50 over 3+2 is 2,2,2 / 3,3 and 90/10 is 6,6,6 / 1,1', () => {
	assert.deepEqual(replicaWeights({stable: 50, canary: 50}, {stable: 3, canary: 2}), {stable: 2, canary: 3});
	assert.deepEqual(replicaWeights({stable: 90, canary: 10}, {stable: 3, canary: 2}), {stable: 6, canary: 1});
	assert.deepEqual(replicaWeights({stable: 100, canary: 0}, {stable: 3, canary: 2}), {stable: 1, canary: 0});
	assert.deepEqual(replicaWeights({stable: 0, canary: 100}, {stable: 5, canary: 5}), {stable: 0, canary: 1});
	assert.deepEqual(replicaWeights({stable: 1, canary: 99}, {stable: 5, canary: 5}), {stable: 1, canary: 99});
	// One server per role keeps the weights it always had: the percentages.
	assert.deepEqual(replicaWeights({stable: 90, canary: 10}, {stable: 1, canary: 1}), {stable: 90, canary: 10});
});

const splits = fc.integer({min: 0, max: 100}).map((stable): Split => ({stable, canary: 100 - stable}));
const counts = fc.record({stable: fc.integer({min: 1, max: 10}), canary: fc.integer({min: 1, max: 10})}).filter((c) => c.stable + c.canary > 2);

test('property: role totals give the split exactly, with the smallest whole weights', () => {
	fc.assert(
		fc.property(splits, counts, (split, n) => {
			const w = replicaWeights(split, n);
			const stable = w.stable * n.stable;
			const canary = w.canary * n.canary;
			assert.ok(Number.isInteger(w.stable) && Number.isInteger(w.canary));
			assert.equal(w.stable === 0, split.stable === 0, 'a role at 0 % is down, any other has weight');
			assert.equal(w.canary === 0, split.canary === 0);
			assert.equal(stable * 100, split.stable * (stable + canary), 'stable total / all = stable %');
			// Smallest: no smaller stable weight has a whole canary weight that keeps the split.
			if (split.stable === 0 || split.canary === 0) assert.equal(Math.max(w.stable, w.canary), 1);
			for (let smaller = 1; smaller < w.stable; smaller++) {
				const other = (smaller * n.stable * split.canary) / (n.canary * split.stable);
				if (Number.isInteger(other)) assert.fail(`stable ${smaller}, canary ${other} would be smaller than ${w.stable}/${w.canary}`);
			}
		}),
		{numRuns: 2000},
	);
});

test('property: one smooth-WRR cycle gives every replica its weight and each role its share', () => {
	fc.assert(
		fc.property(splits, counts, (split, n) => {
			const w = replicaWeights(split, n);
			const peers = [
				...Array.from({length: n.stable}, (_, i) => ({id: `S${i + 1}`, weight: w.stable, down: w.stable === 0})),
				...Array.from({length: n.canary}, (_, i) => ({id: `C${i + 1}`, weight: w.canary, down: w.canary === 0})),
			];
			const cycle = w.stable * n.stable + w.canary * n.canary;
			const wrr = createSmoothWrr(peers);
			const picked = new Map<string, number>();
			for (let i = 0; i < cycle; i++) {
				const id = wrr.pick();
				assert.ok(id !== null);
				picked.set(id, (picked.get(id) ?? 0) + 1);
			}
			for (const peer of peers) assert.equal(picked.get(peer.id) ?? 0, peer.down ? 0 : peer.weight, peer.id);
			const canary = [...picked].filter(([id]) => id.startsWith('C')).reduce((sum, [, count]) => sum + count, 0);
			assert.equal((canary * 100) / cycle, split.canary);
		}),
		{numRuns: 500},
	);
});

const REPLICAS = `upstream involution_engine {
    server engine-stable-1:8080 weight=50;
    server engine-stable-2:8080 weight=50 max_fails=3;
    server engine-stable-3:8080 weight=50;
    server engine-canary-1:8080 down;  # new
    server engine-canary-2:8080 weight=7 down;
    keepalive 64;
}
`;
const roles = {
	stable: [{server: 'engine-stable-1:8080'}, {server: 'engine-stable-2:8080'}, {server: 'engine-stable-3:8080'}],
	canary: [{server: 'engine-canary-1:8080'}, {server: 'engine-canary-2:8080'}],
};

function ok<T extends object>(value: T | {error: string}): T {
	if ('error' in value) assert.fail(`unexpected error: ${value.error}`);
	return value as T;
}

test('renders replica weights, reads the split back as the sum per role, diff shows the whole block', () => {
	assert.deepEqual(readSplit(ok<UpstreamBlock>(findUpstream(REPLICAS, 'involution_engine', roles))), {stable: 100, canary: 0});
	const half = ok(renderSplit(REPLICAS, 'involution_engine', roles, {stable: 50, canary: 50})).text;
	assert.equal(
		half,
		`upstream involution_engine {
    server engine-stable-1:8080 weight=2;
    server engine-stable-2:8080 weight=2 max_fails=3;
    server engine-stable-3:8080 weight=2;
    server engine-canary-1:8080 weight=3;  # new
    server engine-canary-2:8080 weight=3;
    keepalive 64;
}
`,
	);
	assert.deepEqual(readSplit(ok<UpstreamBlock>(findUpstream(half, 'involution_engine', roles))), {stable: 50, canary: 50});
	const ninety = ok(renderSplit(half, 'involution_engine', roles, {stable: 90, canary: 10})).text;
	assert.deepEqual(
		ok<UpstreamBlock>(findUpstream(ninety, 'involution_engine', roles)).servers.map((s) => `${s.address} ${s.down ? 'down' : s.weight}`),
		['engine-stable-1:8080 6', 'engine-stable-2:8080 6', 'engine-stable-3:8080 6', 'engine-canary-1:8080 1', 'engine-canary-2:8080 1'],
	);
	const all = ok(renderSplit(ninety, 'involution_engine', roles, {stable: 0, canary: 100})).text;
	assert.deepEqual(
		ok<UpstreamBlock>(findUpstream(all, 'involution_engine', roles)).servers.map((s) => `${s.address} ${s.down ? 'down' : s.weight}`),
		['engine-stable-1:8080 down', 'engine-stable-2:8080 down', 'engine-stable-3:8080 down', 'engine-canary-1:8080 1', 'engine-canary-2:8080 1'],
	);
	const diff = upstreamDiff(REPLICAS, half, 'involution_engine', roles);
	assert.equal(diff.filter((line) => line.startsWith('+ ')).length, 5, 'every server line changed');
	assert.equal(diff.filter((line) => line.startsWith('- ')).length, 5);
	assert.ok(diff.includes('      keepalive 64;'));
});

test('a replica list and the upstream block must agree: missing, extra and doubled servers are refused', () => {
	const cases: [string, RegExp][] = [
		[REPLICAS.replace(/.*engine-canary-2.*\n/, ''), /has no server engine-canary-2:8080 \(roles\.canary lists it\)/],
		[REPLICAS.replace('keepalive', 'server engine-stable-4:8080;\n    keepalive'), /has stable server engine-stable-4:8080 beyond the 3 roles\.stable lists/],
		[REPLICAS.replace('keepalive', 'server engine-stable-1:8080;\n    keepalive'), /has stable server engine-stable-1:8080 beyond/],
		[REPLICAS.replace('engine-stable-2:8080 weight=50', 'engine-stable-2:8080 backup'), /marked backup/],
	];
	for (const [config, message] of cases) {
		const result = renderSplit(config, 'involution_engine', roles, {stable: 50, canary: 50});
		assert.ok('error' in result, String(message));
		assert.match(result.error, message);
	}
	const down = REPLICAS.replace(/weight=50/g, 'down');
	const read = readSplit(ok<UpstreamBlock>(findUpstream(down, 'involution_engine', roles)));
	assert.ok('error' in read && /all servers of upstream involution_engine are down/.test(read.error));
});
