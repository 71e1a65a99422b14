import {test} from 'node:test';
import assert from 'node:assert/strict';
import {buildConfig} from '../source/config.ts';
import {compareJson, matchPath, type DriftRules} from '../source/domain/drift.ts';
import {ProbeWatch} from '../source/core/guide/probe-watch.ts';
import {startLab} from '../source/lab/lab.ts';

// Response drift: JSON answers of both engines compared field by field, numbers within a
// tolerance, volatile fields ignored; the A/B probes against real lab engines.

const rules = (over: Partial<DriftRules> = {}): DriftRules => ({ignore: [], tolerance: {abs: 0, rel: 0}, tolerances: {}, ...over});

test('path patterns: * is one key, ** any depth, array indices left out', () => {
	const cases: Array<[string, string, boolean]> = [
		['request_id', 'request_id', true],
		['**.request_id', 'request_id', true],
		['**.request_id', 'meta.trace.request_id', true],
		['meta.*', 'meta.version', true],
		['meta.*', 'meta.trace.id', false],
		['meta', 'meta.version', false],
		['positions.longitude', 'positions[3].longitude', true],
		['positions.longitude', 'positions[3].latitude', false],
		['**', 'anything.at[2].all', true],
	];
	for (const [pattern, path, want] of cases) assert.equal(matchPath(pattern, path), want, `${pattern} ~ ${path}`);
});

test('numbers within absolute or relative tolerance pass; beyond it, the worst field comes first; ignored paths never count', () => {
	const a = {x: 100, y: 1, nested: {z: [1, 2, 3]}, id: 'a1', s: 'same'};
	const b = {x: 100.05, y: 1.5, nested: {z: [1, 2, 3.0001]}, id: 'b2', s: 'same'};
	assert.deepEqual(compareJson(a, b, rules({ignore: ['id'], tolerance: {abs: 0.001, rel: 0.001}})).map((d) => d.path), ['y']);
	assert.deepEqual(compareJson(a, b, rules({ignore: ['id'], tolerance: {abs: 0.001, rel: 0}, tolerances: {y: {abs: 1, rel: 0}}})).map((d) => d.path), ['x']);
	const all = compareJson(a, b, rules());
	assert.equal(all[0]!.excess, Number.POSITIVE_INFINITY, 'a changed string is the worst');
	assert.deepEqual(all.map((d) => d.path).sort(), ['id', 'nested.z[2]', 'x', 'y']);
	assert.deepEqual(compareJson({k: 1}, {k: '1', extra: true}, rules()).map((d) => d.path).sort(), ['extra', 'k']);
});

test('A/B probes on real lab engines: a canary whose longitudes drift FAILs naming the field; within tolerance it passes; the differing version never counts', async () => {
	const lab = await startLab({balancer: 'lab', ports: {stable: 0, canary: 0, balancer: 0}, rps: 0, canaryFaults: {}});
	try {
		const config = buildConfig([{urls: lab.urls}]);
		const watch = (probes: Record<string, unknown> = {}) => new ProbeWatch({config: buildConfig([{urls: lab.urls, probes}])});
		// The engines report different versions (1.1.0 and 1.2.0): ignored by default, so no drift.
		const same = await watch().run(false);
		assert.ok(same);
		assert.match(same.via, /each engine's own URL/);
		assert.deepEqual(same.results.map((r) => `${r.probe.name} ${r.stable.status} ${r.canary.status}`), ['healthz 200 200', 'positions 200 200']);
		assert.ok(same.results.every((r) => r.comparison.compared && r.comparison.diffs.length === 0), JSON.stringify(same.results.map((r) => r.comparison)));
		const calm = watch();
		await calm.run(false);
		assert.equal(calm.checks()[0]!.state, 'PASS');
		// Without the default ignore list the version is a difference: the ignore list is what keeps it out.
		const strict = watch({ignore: ['**.request_id']});
		await strict.run(false);
		assert.match(strict.checks()[0]!.reason, /version/);

		await lab.setFaults('canary', {longitudeShiftDeg: 0.5});
		const drifting = watch();
		await drifting.run(false);
		const row = drifting.checks()[0]!;
		assert.equal(row.state, 'FAIL');
		assert.match(row.reason, /^POST \/v1\/positions: positions\[\d\]\.longitude stable [\d.]+ canary [\d.]+ differ by 0\.5 > [\d.e-]+ allowed \(3 fields beyond tolerance\)$/);
		assert.ok(drifting.lastDiffering, 'the differing bodies are kept');
		// ... and go into the incident bundle: both bodies and the differing field.
		const [file] = drifting.bundleFiles();
		assert.equal(file?.name, 'probes.json');
		const kept = JSON.parse(file!.content) as {lastDiffering: {results: {probe: string; stable: {body: string}; canary: {body: string}; comparison: {diffs: {path: string}[]}}[]}};
		const positions = kept.lastDiffering.results.find((r) => r.probe === 'POST /v1/positions')!;
		assert.ok(positions.comparison.diffs.some((d) => /positions\[\d\]\.longitude/.test(d.path)), JSON.stringify(positions.comparison));
		assert.notEqual(positions.stable.body, positions.canary.body);
		assert.match(positions.canary.body, /longitude/);

		await lab.setFaults('canary', {longitudeShiftDeg: 0.00005});
		const tolerant = watch({tolerances: {'positions.longitude': {abs: 0.0001, rel: 0}}});
		await tolerant.run(false);
		assert.equal(tolerant.checks()[0]!.state, 'PASS', tolerant.checks()[0]!.reason);
		assert.equal(config.probes.requests.every((r) => r.idempotent), true);
	} finally {
		await lab.stop();
	}
});

test('the timer sends only requests marked idempotent; the key sends the others too', async () => {
	const sent: string[] = [];
	const fake = async (url: string, init: {method: string}) => {
		sent.push(`${init.method} ${url}`);
		return {status: 200, text: '{"ok":true}'};
	};
	const config = buildConfig([{probes: {requests: [{name: 'read', method: 'GET', path: '/healthz', idempotent: true}, {name: 'write', method: 'POST', path: '/v1/orders', body: {}, idempotent: false}]}}]);
	const probes = new ProbeWatch({config, send: fake});
	await probes.run(false);
	assert.ok(!sent.some((line) => line.startsWith('POST')), sent.join('\n'));
	sent.length = 0;
	await probes.run(true);
	assert.deepEqual(sent.filter((line) => line.startsWith('POST')).length, 2, 'once to each engine');
});
