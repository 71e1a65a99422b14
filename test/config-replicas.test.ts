import {test} from 'node:test';
import assert from 'node:assert/strict';
import {buildConfig, ConfigError} from '../source/config.ts';
import {replicasOf} from '../source/domain/replicas.ts';

const replicas = {
	stable: [
		{server: 'engine-stable-1:8080', container: 'engine-stable-1', docker: 'prod-a', metrics: 'http://10.0.0.5:8081'},
		{server: 'engine-stable-2:8080', container: 'engine-stable-2', docker: 'tcp://10.0.0.6:2376', metrics: 'http://10.0.0.6:8081'},
		{server: 'engine-stable-3:8080'},
	],
	canary: [
		{server: 'engine-canary-1:8080', container: 'engine-canary-1', name: 'blue'},
		{server: 'engine-canary-2:8080', container: 'engine-canary-2', docker: 'ssh://ops@10.0.0.7'},
	],
};

test('a single-pair config gives one replica per role, S1 and C1, from urls and docker.names', () => {
	const config = buildConfig([]);
	assert.deepEqual(config.roles, {stable: 'engine-stable:8080', canary: 'engine-canary:8080'});
	assert.deepEqual(replicasOf(config), {
		stable: [{id: 'S1', role: 'stable', server: 'engine-stable:8080', container: 'engine-stable', metricsUrl: 'http://localhost:8081'}],
		canary: [{id: 'C1', role: 'canary', server: 'engine-canary:8080', container: 'engine-canary', metricsUrl: 'http://localhost:8082'}],
	});
});

test('lists of replicas: ids by position unless named, endpoint and metrics URL per replica', () => {
	const config = buildConfig([{roles: replicas}]);
	const {stable, canary} = replicasOf(config);
	assert.deepEqual(
		stable.map((r) => [r.id, r.server, r.container, r.endpoint, r.metricsUrl]),
		[
			['S1', 'engine-stable-1:8080', 'engine-stable-1', 'prod-a', 'http://10.0.0.5:8081'],
			['S2', 'engine-stable-2:8080', 'engine-stable-2', 'tcp://10.0.0.6:2376', 'http://10.0.0.6:8081'],
			['S3', 'engine-stable-3:8080', undefined, undefined, undefined],
		],
	);
	assert.deepEqual(
		canary.map((r) => [r.id, r.role, r.endpoint]),
		[
			['blue', 'canary', undefined],
			['C2', 'canary', 'ssh://ops@10.0.0.7'],
		],
	);
});

test('the two shapes mix: a list for one role, an address for the other', () => {
	const config = buildConfig([{roles: {stable: 'engine-stable:8080', canary: replicas.canary}}]);
	const {stable, canary} = replicasOf(config);
	assert.equal(stable.length, 1);
	assert.equal(stable[0]!.container, 'engine-stable');
	assert.deepEqual(canary.map((r) => r.id), ['blue', 'C2']);
});

test('a bad replica list gets a message naming the key and the fix', () => {
	const cases: [unknown, RegExp][] = [
		[{roles: {stable: []}}, /roles\.stable is an empty list: give at least one replica, or one address/],
		[
			{roles: {stable: [{server: 'a:80'}, {server: 'b:80'}, {server: 'a:80'}]}},
			/roles\.stable\[2\]\.server "a:80" is already roles\.stable\[0\]: each upstream server belongs to one replica/,
		],
		[{roles: {stable: [{server: 'engine-canary:8080'}]}}, /roles\.canary "engine-canary:8080" is already roles\.stable\[0\]/],
		[{roles: {stable: [{server: 'a:80', contianer: 'x'}]}}, /unknown key "roles\.stable\[0\]\.contianer"; did you mean "roles\.stable\[0\]\.container"\? Keys allowed at roles\.stable\[0\]: server, container, docker, metrics, name/],
		[{roles: {stable: [{container: 'x'}]}}, /roles\.stable\[0\]\.server must be host:port as written in the upstream block \(got nothing\)/],
		[{roles: {stable: [{server: 'a:80', metrics: 'a:8081'}]}}, /roles\.stable\[0\]\.metrics must be an http:\/\/ URL/],
		[{roles: {stable: [{server: 'a:80', docker: 'http://x'}]}}, /roles\.stable\[0\]\.docker must be a Docker context name or an endpoint URL/],
		[{roles: {stable: [{server: 'a:80', name: 'C1'}]}}, /roles\.canary is named "C1" like roles\.stable\[0\]: give each replica its own name/],
		[{roles: {stable: [{server: 'a:80', name: 'with space'}]}}, /roles\.stable\[0\]\.name must be a label of 1-12 letters/],
		[{roles: {stable: 42}}, /roles\.stable must be host:port as written in the upstream block, or a list of replicas/],
		[{roles: {stable: ''}}, /roles\.stable must be host:port as written in the upstream block, or a list of replicas/],
	];
	for (const [layer, message] of cases) {
		assert.throws(
			() => buildConfig([layer]),
			(error: Error) => {
				assert.ok(error instanceof ConfigError);
				assert.match(error.message, message);
				return true;
			},
		);
	}
});
