import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {replicaBundleFiles} from '../../source/adapters/docker/bundle-extras.ts';
import {DockerEndpointPool} from '../../source/adapters/docker/endpoints.ts';
import {canaryState, combineCanaries} from '../../source/adapters/docker/replica-containers.ts';
import type {ContainerControl, ContainerState} from '../../source/core/guide/containers.ts';
import {parseLifecycleEvent} from '../../source/adapters/docker/lifecycle.ts';
import {combineReplicaReadings, replicaServices} from '../../source/adapters/docker/replica-hosts.ts';
import {createReplicaLogSource, type ReplicaLine, TimeMerger} from '../../source/adapters/docker/replica-logs.ts';
import {waitUntil} from '../helpers/wait.ts';

const line = (replica: string, time: number, text = `${replica}@${time}`): ReplicaLine => ({engine: 'stable', stream: 'stdout', time, text, replica});

test('merged logs: lines of several replicas come out in time order, each replica keeping its own order', async () => {
	let now = 1000;
	const out: ReplicaLine[][] = [];
	const merger = new TimeMerger((batch) => out.push(batch), 100, 5000, () => now);
	// S2's line stamped 990 arrives after S1's stamped 995: within the hold, it goes first.
	merger.push([line('S1', 995), line('S1', 999)]);
	now = 1040;
	merger.push([line('S2', 990), line('S2', 1030)]);
	assert.equal(out.length, 0, 'held for 100 ms');
	now = 1100;
	merger.flush();
	assert.deepEqual(out.flat().map((l) => l.text), ['S2@990', 'S1@995', 'S1@999']);
	// S2@1030 is still within its hold; it goes once the hold is over.
	now = 1140;
	merger.flush();
	assert.deepEqual(out.flat().map((l) => l.text), ['S2@990', 'S1@995', 'S1@999', 'S2@1030']);
	// Equal stamps keep arrival order.
	merger.push([line('C1', 2000, 'a'), line('C2', 2000, 'b'), line('C1', 2000, 'c')]);
	merger.flush(true);
	assert.deepEqual(out.at(-1)!.map((l) => l.text), ['a', 'b', 'c']);
});

test('merged logs: the merger flushes by itself on its timer, and never holds more than its bound', async () => {
	const out: ReplicaLine[] = [];
	const merger = new TimeMerger((batch) => out.push(...batch), 20, 3);
	merger.push([line('S1', 5), line('S2', 1)]);
	await waitUntil('the held lines flushed by the timer', () => out.length === 2, {timeoutMs: 2000, everyMs: 5});
	assert.deepEqual(out.map((l) => l.replica), ['S2', 'S1']);
	merger.push([line('S1', 7), line('S1', 8), line('S2', 6)]);
	assert.deepEqual(out.slice(2).map((l) => l.time), [6, 7, 8], 'the bound flushes at once');
});

test('a role figure from its replicas: the fullest replica\'s memory, CPU and restarts summed, the worst state, any OOM kill', () => {
	const r = combineReplicaReadings([
		{memUsed: 100, memLimit: 1000, cpuPercent: 10, startedAt: 50, restarts: 1, state: 'running', exitCode: null, oomKilled: false},
		{memUsed: 300, memLimit: 1000, cpuPercent: null, startedAt: 40, restarts: 2, state: 'exited', exitCode: 137, oomKilled: true},
		{memUsed: 900, memLimit: 1000, cpuPercent: 5, startedAt: null, restarts: 0, state: 'running', exitCode: null, oomKilled: false},
	]);
	assert.deepEqual(r, {memUsed: 900, memLimit: 1000, cpuPercent: 15, startedAt: 50, restarts: 3, state: 'exited', exitCode: 137, oomKilled: true});
});

test('Docker events: a role with several containers on one host; the event names which container', () => {
	const names = {stable: ['engine-stable-1', 'engine-stable-2'], canary: ['engine-canary-1']};
	const event = (name: string, action: string) => JSON.stringify({Type: 'container', Action: action, time: 10, Actor: {Attributes: {name, exitCode: '137'}}});
	assert.deepEqual(parseLifecycleEvent(event('engine-stable-2', 'die'), names), {engine: 'stable', at: 10_000, kind: 'die', exitCode: 137, container: 'engine-stable-2'});
	assert.deepEqual(parseLifecycleEvent(event('engine-canary-1', 'start'), names), {engine: 'canary', at: 10_000, kind: 'start', container: 'engine-canary-1'});
	assert.equal(parseLifecycleEvent(event('other', 'start'), names), null);
	// The single pair keeps its shape: no container field.
	assert.deepEqual(parseLifecycleEvent(event('engine-stable', 'oom'), {stable: 'engine-stable', canary: 'engine-canary'}), {engine: 'stable', at: 10_000, kind: 'oom'});
});

/** A Docker client stand-in that knows some containers, or is unreachable. */
function fakeDocker(containers: string[], state: {down: boolean}): Docker {
	const refused = () => Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'});
	return {
		listContainers: async () => {
			if (state.down) throw refused();
			return containers.map((name) => ({Id: name, Names: [`/${name}`], State: 'running', Labels: {}, NetworkSettings: {Networks: {}}}));
		},
		getContainer: (name: string) => ({
			inspect: async () => {
				if (state.down) throw refused();
				if (!containers.includes(name)) throw Object.assign(new Error('no such container'), {statusCode: 404});
				return {State: {Status: 'running', Running: true, StartedAt: '2026-01-01T00:00:00Z', ExitCode: 0}, RestartCount: 0, Config: {Image: 'engine'}, Mounts: []};
			},
		}),
	} as unknown as Docker;
}

test('services strip over two hosts: host B down marks its replicas (host, since when); A goes on; B comes back by itself', async () => {
	let now = Date.parse('2026-01-01T12:01:03');
	const b = {down: false};
	const clients: Record<string, Docker> = {
		'unix:///run/a.sock': fakeDocker(['nginx-canary', 'engine-stable-1', 'engine-canary-1'], {down: false}),
		'unix:///run/b.sock': fakeDocker(['engine-stable-2', 'engine-canary-2'], b),
	};
	const pool = new DockerEndpointPool({env: {DOCKER_HOST: 'unix:///run/a.sock'}, connect: (e) => clients[`unix://${e.socketPath}`]!, now: () => now});
	const home = pool.get(undefined);
	const replicas = [
		{id: 'S1', role: 'stable' as const, container: 'engine-stable-1'},
		{id: 'S2', role: 'stable' as const, container: 'engine-stable-2', endpoint: 'unix:///run/b.sock'},
		{id: 'C1', role: 'canary' as const, container: 'engine-canary-1'},
		{id: 'C2', role: 'canary' as const, container: 'engine-canary-2', endpoint: 'unix:///run/b.sock'},
	];
	const up = await replicaServices(pool, home, replicas, 'nginx-canary', []);
	assert.deepEqual(up.map((s) => [s.name, s.state, s.host]), [
		['engine-stable-1', 'running', 'unix:///run/a.sock'],
		['engine-canary-1', 'running', 'unix:///run/a.sock'],
		['nginx-canary', 'running', 'unix:///run/a.sock'],
		['engine-stable-2', 'running', 'unix:///run/b.sock'],
		['engine-canary-2', 'running', 'unix:///run/b.sock'],
	]);
	b.down = true;
	const down = await replicaServices(pool, home, replicas, 'nginx-canary', []);
	assert.deepEqual(down.map((s) => [s.name, s.state]), [
		['engine-stable-1', 'running'],
		['engine-canary-1', 'running'],
		['nginx-canary', 'running'],
		['engine-stable-2', 'unreachable'],
		['engine-canary-2', 'unreachable'],
	]);
	const marked = down.find((s) => s.name === 'engine-stable-2')!;
	assert.equal(marked.hostDown?.since, now);
	assert.match(marked.hostDown!.message, /^Docker host unix:\/\/\/run\/b\.sock unreachable since \d\d:\d\d:\d\d: Docker daemon at unix:\/\/\/run\/b\.sock refused the connection/);
	now += 10_000;
	b.down = false;
	const back = await replicaServices(pool, home, replicas, 'nginx-canary', []);
	assert.ok(back.every((s) => s.state === 'running' && !('hostDown' in s && s.hostDown)), JSON.stringify(back));
	assert.equal(pool.health().every((h) => h.reachable), true);
	// Every host down: that is an error of its own, as for one host.
	clients['unix:///run/a.sock'] = fakeDocker([], {down: true});
	const pool2 = new DockerEndpointPool({env: {DOCKER_HOST: 'unix:///run/a.sock'}, connect: (e) => clients[`unix://${e.socketPath}`]!});
	b.down = true;
	await assert.rejects(replicaServices(pool2, pool2.get(undefined), replicas, 'nginx-canary', []), /refused the connection/);
});

/** A container stand-in: its state, and what stop/restart do to it. */
function fakeControl(name: string, initial: ContainerState): ContainerControl & {current: ContainerState} {
	const control = {
		current: initial,
		name: () => name,
		state: async () => control.current,
		stop: async () => {
			if (control.current === 'unknown') return {ok: false, exitCode: null, output: 'Docker daemon refused the connection'};
			control.current = 'exited';
			return {ok: true, exitCode: 0, output: `${name} stopped`};
		},
		restart: async () => {
			control.current = 'running';
			return {ok: true, exitCode: 0, output: `${name} restarted`};
		},
		inspect: async () => ({state: control.current, exitCode: 0, oomKilled: false, restarts: 0, startedAt: null, image: name, imageId: null, imageCreated: null}),
	};
	return control;
}

test('emergency actions over canary replicas on two hosts: stop stops every one, running while any runs, nginx untouched', async () => {
	const nginx = fakeControl('nginx-canary', 'running');
	const c1 = fakeControl('engine-canary-1', 'running');
	const c2 = fakeControl('engine-canary-2', 'running');
	const control = combineCanaries(nginx, [{name: 'engine-canary-1', control: c1}, {name: 'engine-canary-2', control: c2}]);
	assert.equal(control.name('canary'), 'engine-canary-1, engine-canary-2');
	assert.equal(control.name('nginx'), 'nginx-canary');
	c1.current = 'exited';
	assert.equal(await control.state('canary'), 'running', 'one replica still runs');
	assert.equal((await control.inspect!('canary')).image, 'engine-canary-1', 'details of the replica that is not running');
	const stopped = await control.stop('canary');
	assert.equal(stopped.ok, true);
	assert.equal(stopped.output, 'engine-canary-1: engine-canary-1 stopped\nengine-canary-2: engine-canary-2 stopped');
	assert.equal(await control.state('canary'), 'exited');
	assert.equal(nginx.current, 'running');
	// A host that does not answer: the stop is not done, and says which replica.
	await control.restart('canary');
	c2.current = 'unknown';
	assert.equal(await control.state('canary'), 'unknown');
	const partial = await control.stop('canary');
	assert.equal(partial.ok, false);
	assert.match(partial.output, /engine-canary-2: Docker daemon refused/);
	assert.equal(canaryState(['exited', 'missing']), 'exited');
	assert.equal(canaryState([]), 'missing');
});

test('incident bundle over hosts: each replica container inspected on its own host; a host down is said in its file', async () => {
	const b = fakeDocker(['engine-stable-2'], {down: false});
	const c = fakeDocker(['engine-canary-3'], {down: true});
	const files = await replicaBundleFiles([
		{docker: b, describe: 'unix:///run/b.sock', containers: ['engine-stable-2']},
		{docker: c, describe: 'ssh://ops@host-c', containers: ['engine-canary-3']},
	]);
	assert.deepEqual(files.map((f) => f.name), ['docker/engine-stable-2.inspect.json', 'docker/engine-canary-3.inspect.json']);
	assert.equal((JSON.parse(files[0]!.content) as {Config: {Image: string}}).Config.Image, 'engine');
	assert.match(files[1]!.content, /docker inspect engine-canary-3 at ssh:\/\/ops@host-c: connect ECONNREFUSED/);
});

test('a host that never answers (packets dropped) is marked after the timeout; the other host\'s strip is not held up', async () => {
	const silent = {listContainers: () => new Promise(() => {}), getContainer: () => ({inspect: () => new Promise(() => {})})} as unknown as Docker;
	const clients: Record<string, Docker> = {'unix:///run/a.sock': fakeDocker(['nginx-canary', 'engine-stable-1'], {down: false}), 'unix:///run/b.sock': silent};
	const pool = new DockerEndpointPool({env: {DOCKER_HOST: 'unix:///run/a.sock'}, connect: (e) => clients[`unix://${e.socketPath}`]!});
	const replicas = [
		{id: 'S1', role: 'stable' as const, container: 'engine-stable-1'},
		{id: 'C1', role: 'canary' as const, container: 'engine-canary-1', endpoint: 'unix:///run/b.sock'},
	];
	// The stand-in holds no socket open, as a real silent host's connection would: keep the test alive.
	const alive = setInterval(() => {}, 1000);
	const services = await replicaServices(pool, pool.get(undefined), replicas, 'nginx-canary', [], 100).finally(() => clearInterval(alive));
	assert.deepEqual(services.map((s) => [s.name, s.state]), [['engine-stable-1', 'running'], ['nginx-canary', 'running'], ['engine-canary-1', 'unreachable']]);
	assert.match(services[2]!.hostDown!.message, /unix:\/\/\/run\/b\.sock is unreachable \(ETIMEDOUT\)/);
});

test('a host that drops packets: its silent log stream is closed once the host is marked unreachable, and the follower reads on from its last line when it answers', async () => {
	const info = {Id: 'c1', State: {Status: 'running', Running: true, StartedAt: '2026-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z'}, Config: {Tty: true}};
	const streams: PassThrough[] = [];
	const queries: Array<{since?: string}> = [];
	const host: {dropping: boolean; answer: (() => void)[]} = {dropping: false, answer: []};
	const b = {
		modem: {socketPath: '/run/b.sock'},
		getContainer: () => ({
			// While packets are dropped a call never settles; it is answered when the host is back.
			inspect: () => (host.dropping ? new Promise((resolve) => host.answer.push(() => resolve(info))) : Promise.resolve(info)),
			logs: async (query: {since?: string}) => {
				queries.push(query);
				const stream = new PassThrough();
				streams.push(stream);
				return stream;
			},
		}),
		getEvents: async () => new PassThrough(),
	} as unknown as Docker;
	const a = fakeDocker(['nginx-canary'], {down: false});
	const pool = new DockerEndpointPool({env: {DOCKER_HOST: 'unix:///run/a.sock'}, connect: (e) => (e.socketPath === '/run/b.sock' ? b : a)});
	const source = createReplicaLogSource(pool, [{id: 'C1', role: 'canary', container: 'engine-canary-1', endpoint: 'unix:///run/b.sock'}]);
	const lines: string[] = [];
	const follow = new AbortController();
	source.follow('canary', {lines: (batch) => lines.push(...batch.map((l) => l.text)), gap: () => {}, status: () => {}}, follow.signal);
	try {
		await waitUntil('the log stream open', () => streams.length === 1);
		streams[0]!.write('2026-01-01T00:00:01.000000000Z before the silence\n');
		await waitUntil('the first line', () => lines.includes('before the silence'));
		// The host stops answering without refusing: the stream just goes quiet. The services poll
		// marks it unreachable after its timeout.
		host.dropping = true;
		pool.markUnreachable(pool.get('unix:///run/b.sock'), Object.assign(new Error('no answer from unix:///run/b.sock in 5000 ms'), {code: 'ETIMEDOUT'}));
		await waitUntil('the silent stream closed', () => streams[0]!.destroyed);
		host.dropping = false;
		for (const answer of host.answer.splice(0)) answer();
		await waitUntil('attached again', () => streams.length === 2);
		assert.equal(queries[1]!.since, '1767225601.000000000', 'from the last line read');
		streams[1]!.write('2026-01-01T00:00:09.000000000Z after the silence\n');
		await waitUntil('the next line', () => lines.includes('after the silence'));
		assert.deepEqual(lines, ['before the silence', 'after the silence']);
	} finally {
		follow.abort();
	}
});
