import {test} from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import {dockerBundleExtras, redactInspect} from '../source/adapters/docker/bundle-extras.ts';

// Docker's part of the incident bundle: inspect of each service with environment values
// redacted (names kept), a service the deployment never had left out, nginx -T's outcome.

const INSPECT = {
	Name: '/engine-canary',
	Config: {Image: 'engine:1.2.0', Env: ['REDIS_URL=redis://:hunter2@redis-canary:6379/0', 'API_TOKEN=tok_9f8e7d', 'PATH=/usr/bin', 'FLAG'], Labels: {'com.docker.compose.project': 'canary'}},
	State: {Status: 'running', OOMKilled: false, ExitCode: 0},
};

test('environment values are redacted, their names and everything else kept; the original is untouched', () => {
	const redacted = redactInspect(INSPECT) as typeof INSPECT;
	assert.deepEqual(redacted.Config.Env, ['REDIS_URL=<redacted>', 'API_TOKEN=<redacted>', 'PATH=<redacted>', 'FLAG']);
	assert.deepEqual(redacted.State, INSPECT.State);
	assert.equal(redacted.Config.Image, 'engine:1.2.0');
	assert.match(INSPECT.Config.Env[1]!, /tok_9f8e7d/);
	assert.equal(redactInspect(null), null);
});

test('one inspect file per service that exists, no value of its environment in any file; nginx -T failing says why', async () => {
	const real = new Docker({socketPath: '/nonexistent/docker.sock'});
	const fake = {
		modem: real.modem,
		getContainer: (name: string) => ({
			inspect: async () => {
				if (name === 'redis-canary') throw Object.assign(new Error('no such container'), {statusCode: 404});
				return {...INSPECT, Name: `/${name}`};
			},
			exec: async () => {
				throw new Error('connect ENOENT /nonexistent/docker.sock');
			},
		}),
	} as unknown as Docker;
	const files = await dockerBundleExtras(fake, ['engine-stable', 'engine-canary', 'nginx-canary', 'redis-canary', 'nginx-canary'], 'nginx-canary');
	assert.deepEqual(
		files.map((file) => file.name),
		['docker/engine-stable.inspect.json', 'docker/engine-canary.inspect.json', 'docker/nginx-canary.inspect.json', 'nginx-T.txt'],
	);
	const all = files.map((file) => file.content).join('\n');
	for (const secret of ['hunter2', 'tok_9f8e7d', '/usr/bin']) assert.ok(!all.includes(secret), secret);
	assert.equal(JSON.parse(files[1]!.content).Name, '/engine-canary');
	assert.match(files[3]!.content, /^# nginx -T failed \(exit \?\):\n.+/);
});
