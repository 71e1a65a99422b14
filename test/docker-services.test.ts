import assert from 'node:assert/strict';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {deploymentNames} from '../source/adapters/docker/inspect.ts';
import {refreshAliases} from '../source/adapters/docker/aliases.ts';

const container = (name: string, labels: Record<string, string>, networks: string[], state = 'running') =>
	({Id: `${name}-id`, Names: [`/${name}`], State: state, Labels: labels, NetworkSettings: {Networks: Object.fromEntries(networks.map((n) => [n, {}]))}}) as unknown as Docker.ContainerInfo;
const docker = (containers: Docker.ContainerInfo[]) => ({listContainers: async () => containers}) as unknown as Docker;
const REQUIRED = ['engine-stable', 'engine-canary', 'nginx-canary'];
const EXTRA = ['nginx-canary', 'redis-canary', 'time-resolver-canary'];

test('the services strip lists what the deployment has: nginx\'s compose project and networks, and configured names that exist', async () => {
	const compose = {'com.docker.compose.project': 'canary'};
	const names = await deploymentNames(docker([
		container('engine-stable', compose, ['canary_default']),
		container('engine-canary', compose, ['canary_default']),
		container('nginx-canary', compose, ['canary_default']),
		container('redis-canary', compose, ['canary_default'], 'exited'),
		container('metrics-sidecar', {}, ['canary_default']),
		container('unrelated-app', {'com.docker.compose.project': 'other'}, ['bridge']),
	]), REQUIRED, 'nginx-canary', EXTRA);
	// time-resolver-canary is configured by default but this deployment never had it: not "missing".
	assert.deepEqual(names, ['engine-stable', 'engine-canary', 'nginx-canary', 'metrics-sidecar', 'redis-canary']);
});

test('on the default bridge only the configured names that exist join the engines and nginx; required ones always show', async () => {
	const names = await deploymentNames(docker([
		container('engine-stable', {}, ['bridge']),
		container('nginx-canary', {}, ['bridge']),
		container('redis-canary', {}, ['bridge']),
		container('someone-elses-db', {}, ['bridge']),
	]), REQUIRED, 'nginx-canary', EXTRA);
	assert.deepEqual(names, ['engine-stable', 'engine-canary', 'nginx-canary', 'redis-canary'], 'engine-canary is required: shown (as missing)');
});

test('the address book follows a recreated engine: its new address in, the old one out, the same object', async () => {
	let canaryIp = '172.18.0.3';
	const fake = {
		getContainer: (name: string) => ({
			inspect: async () => ({NetworkSettings: {Networks: {canary_default: {IPAddress: name === 'engine-stable' ? '172.18.0.2' : canaryIp}}}}),
		}),
	} as unknown as Docker;
	const names = {stable: 'engine-stable', canary: 'engine-canary'};
	const roles = {stable: 'engine-stable:8080', canary: 'engine-canary:8080'};
	const aliases: Record<string, 'stable' | 'canary'> = {};
	await refreshAliases(fake, names, roles, aliases);
	assert.deepEqual(aliases, {'172.18.0.2:8080': 'stable', '172.18.0.3:8080': 'canary'});
	canaryIp = '172.18.0.7';
	await refreshAliases(fake, names, roles, aliases);
	assert.deepEqual(aliases, {'172.18.0.2:8080': 'stable', '172.18.0.7:8080': 'canary'});
});
