// The services strip on Docker asks the daemon again only when a container event says something
// changed (or its reading is 30 s old): a quiet deployment costs no requests every poll, and a
// change still shows at the next poll. Against a stand-in daemon with a real events stream shape.
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {createDockerAdapters} from '../../source/adapters/docker/index.ts';
import {waitUntil} from '../helpers/wait.ts';

const NAMES = {stable: 'engine-stable', canary: 'engine-canary', nginx: 'nginx-canary'};

function standInDaemon() {
	const state: Record<string, string> = {[NAMES.stable]: 'running', [NAMES.canary]: 'running', [NAMES.nginx]: 'running'};
	const streams: PassThrough[] = [];
	const requests = {list: 0, inspect: 0};
	const docker = {
		modem: {socketPath: '/run/stand-in.sock'},
		async listContainers() {
			requests.list++;
			return Object.keys(state).map((name) => ({Id: name, Names: [`/${name}`], Labels: {}, NetworkSettings: {Networks: {}}}));
		},
		getContainer: (name: string) => ({
			async inspect() {
				requests.inspect++;
				const running = state[name] === 'running';
				return {Id: name, RestartCount: 0, Config: {Image: 'img'}, Mounts: [], State: {Status: state[name], Running: running, ExitCode: running ? 0 : 1, StartedAt: '2026-12-07T10:00:00Z'}};
			},
		}),
		async getEvents() {
			const stream = new PassThrough();
			streams.push(stream);
			return stream;
		},
	} as unknown as Docker;
	const event = (name: string, action: string) => streams.at(-1)!.write(`${JSON.stringify({Type: 'container', Action: action, Actor: {ID: name, Attributes: {name}}, time: Math.floor(Date.now() / 1000)})}\n`);
	return {docker, state, streams, requests, event};
}

test('services on Docker: read again only after a container event or when the events stream is down', async () => {
	const daemon = standInDaemon();
	const adapters = createDockerAdapters({docker: daemon.docker, endpoint: 'unix:///run/stand-in.sock', names: {...NAMES, services: []}, nginxConfig: {host: '/nonexistent/canary.conf', container: '/etc/nginx/conf.d/default.conf'}});
	try {
		const stateOf = (services: Array<{name: string; state: string}>, name: string) => services.find((s) => s.name === name)?.state;
		assert.equal(stateOf(await adapters.services(), NAMES.canary), 'running');
		await waitUntil('the events stream open', () => daemon.streams.length === 1);
		// Read once more now that the stream is open (what came before it is not known to be quiet)...
		await adapters.services();
		const asked = {...daemon.requests};
		// ...then a quiet deployment asks nothing, however often the strip is polled.
		for (let i = 0; i < 10; i++) assert.equal(stateOf(await adapters.services(), NAMES.canary), 'running');
		assert.deepEqual(daemon.requests, asked, 'no list, no inspect while nothing happened');
		// The canary dies: the event makes the next poll ask, and the strip shows it.
		daemon.state[NAMES.canary] = 'exited';
		daemon.event(NAMES.canary, 'die');
		await waitUntil('the exit shown', async () => stateOf(await adapters.services(), NAMES.canary) === 'exited');
		assert.ok(daemon.requests.inspect > asked.inspect);
		// The events stream ends (a daemon restarting): every poll asks until it is open again.
		const before = daemon.requests.list;
		daemon.streams.at(-1)!.end();
		daemon.state[NAMES.canary] = 'running';
		await waitUntil('the start shown without an event', async () => stateOf(await adapters.services(), NAMES.canary) === 'running');
		assert.ok(daemon.requests.list > before);
		// It is opened again, and quiet polls cost nothing again.
		await waitUntil('the events stream open again', async () => (await adapters.services()) && daemon.streams.length === 2);
		await adapters.services();
		const again = {...daemon.requests};
		for (let i = 0; i < 10; i++) await adapters.services();
		assert.deepEqual(daemon.requests, again);
	} finally {
		adapters.close();
	}
});
