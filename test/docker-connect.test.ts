import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {createHash} from 'node:crypto';
import {mkdir} from 'node:fs/promises';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {currentDockerContext, DEFAULT_SOCKET, describeDockerError, dockerEndpointFromEnv, isNotFound, isUnreachable} from '../source/adapters/docker/connect.ts';

const errno = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`connect ${code}`), {code, ...extra});

test('unix: default socket, unix:// and a bare path', () => {
	assert.deepEqual(dockerEndpointFromEnv({DOCKER_CONFIG: '/nonexistent'}), {options: {socketPath: DEFAULT_SOCKET}, describe: `unix://${DEFAULT_SOCKET}`, socketPath: DEFAULT_SOCKET});
	const e = dockerEndpointFromEnv({DOCKER_HOST: 'unix:///run/e2e/docker.sock'});
	assert.equal(e.socketPath, '/run/e2e/docker.sock');
	assert.equal(e.describe, 'unix:///run/e2e/docker.sock');
	assert.equal(dockerEndpointFromEnv({DOCKER_HOST: '/tmp/d.sock'}).socketPath, '/tmp/d.sock');
	assert.equal(dockerEndpointFromEnv({DOCKER_HOST: '  ', DOCKER_CONFIG: '/nonexistent'}).socketPath, DEFAULT_SOCKET);
});

test('tcp without TLS: port 2375, http', () => {
	const e = dockerEndpointFromEnv({DOCKER_HOST: 'tcp://10.0.0.5:2375'});
	assert.deepEqual(e.options, {host: '10.0.0.5', port: '2375', protocol: 'http'});
	assert.equal(e.describe, 'tcp://10.0.0.5:2375');
	assert.equal(dockerEndpointFromEnv({DOCKER_HOST: 'tcp://docker.example'}).options.port, '2375');
});

test('tcp with TLS: DOCKER_TLS_VERIFY and DOCKER_CERT_PATH load ca, cert and key', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'docker-certs-'));
	try {
		for (const name of ['ca', 'cert', 'key']) await writeFile(join(dir, `${name}.pem`), `${name}-bytes`);
		const e = dockerEndpointFromEnv({DOCKER_HOST: 'tcp://build-host:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir});
		assert.equal(e.options.protocol, 'https');
		assert.equal(e.options.host, 'build-host');
		assert.equal(String(e.options.ca), 'ca-bytes');
		assert.equal(String(e.options.cert), 'cert-bytes');
		assert.equal(String(e.options.key), 'key-bytes');
		assert.equal(e.describe, 'tcp://build-host:2376 (TLS)');
		// TLS on any port when DOCKER_TLS_VERIFY is set.
		assert.equal(dockerEndpointFromEnv({DOCKER_HOST: 'tcp://h:4000', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir}).options.protocol, 'https');
		// Missing certificates: a message that names the directory and the variable.
		assert.throws(
			() => dockerEndpointFromEnv({DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'none')}),
			/TLS for tcp:\/\/h:2376: cannot read ca\.pem, cert\.pem and key\.pem in .*none.*set DOCKER_CERT_PATH/,
		);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('ssh://user@host[:port]: ssh protocol, user, port, agent', () => {
	const e = dockerEndpointFromEnv({DOCKER_HOST: 'ssh://deploy@canary-host', SSH_AUTH_SOCK: '/tmp/agent.sock'});
	const options = e.options as Record<string, unknown>;
	assert.equal(options.protocol, 'ssh');
	assert.equal(options.host, 'canary-host');
	assert.equal(options.port, 22);
	assert.equal(options.username, 'deploy');
	assert.deepEqual(options.sshOptions, {agent: '/tmp/agent.sock'});
	assert.equal(e.describe, 'ssh://deploy@canary-host');
	const withPort = dockerEndpointFromEnv({DOCKER_HOST: 'ssh://ops@10.1.2.3:2222'});
	assert.equal((withPort.options as Record<string, unknown>).port, 2222);
	assert.equal(withPort.describe, 'ssh://ops@10.1.2.3:2222');
});

test('bad DOCKER_HOST values get a message that shows what is accepted', () => {
	assert.throws(() => dockerEndpointFromEnv({DOCKER_HOST: 'npipe:////./pipe/docker_engine'}), /unsupported scheme npipe: \(use unix:\/\/, tcp:\/\/ or ssh:\/\/\)/);
	assert.throws(() => dockerEndpointFromEnv({DOCKER_HOST: 'tcp://[bad'}), /not a valid address: use unix:\/\/\/path, tcp:\/\/host:port or ssh:\/\/user@host/);
});

test('describeDockerError: no socket, permission denied, daemon down', () => {
	const endpoint = 'unix:///var/run/docker.sock';
	const noSocket = describeDockerError(errno('ENOENT', {address: '/var/run/docker.sock'}), endpoint);
	assert.match(noSocket, /^Docker socket \/var\/run\/docker\.sock not found: is the Docker daemon running\?/);
	assert.match(noSocket, /DOCKER_HOST/);
	const denied = describeDockerError(errno('EACCES', {address: '/var/run/docker.sock'}), endpoint);
	assert.match(denied, /^Permission denied on \/var\/run\/docker\.sock: add your user to the docker group/);
	assert.match(denied, /usermod -aG docker/);
	assert.match(describeDockerError(errno('EPERM'), endpoint), /^Permission denied on \/var\/run\/docker\.sock/);
	assert.equal(describeDockerError(errno('ECONNREFUSED'), 'tcp://h:2375'), 'Docker daemon at tcp://h:2375 refused the connection: it is down or restarting.');
	assert.match(describeDockerError(errno('ECONNRESET'), endpoint), /closed the connection: it stopped or restarted/);
	assert.match(describeDockerError(new Error('socket hang up'), endpoint), /closed the connection/);
	assert.match(describeDockerError(errno('ENOTFOUND'), 'tcp://nowhere:2375'), /does not resolve \(ENOTFOUND\): check DOCKER_HOST/);
});

test('describeDockerError: API errors keep Docker\'s message without the HTTP preamble', () => {
	const notFound = Object.assign(new Error('(HTTP code 404) no such container - No such container: engine-canry '), {
		statusCode: 404,
		json: {message: 'No such container: engine-canry'},
	});
	assert.equal(describeDockerError(notFound), 'Docker API error 404: No such container: engine-canry');
	assert.equal(isNotFound(notFound), true);
	assert.equal(isUnreachable(notFound), false);
});

test('isUnreachable: connection failures yes, API answers no', () => {
	for (const code of ['ENOENT', 'EACCES', 'ECONNREFUSED', 'ECONNRESET']) assert.equal(isUnreachable(errno(code)), true, code);
	assert.equal(isUnreachable(new Error('socket hang up')), true);
	assert.equal(isUnreachable(Object.assign(new Error('conflict'), {statusCode: 409})), false);
	assert.equal(isUnreachable(null), false);
});

/** A docker CLI config dir as `docker context create NAME --docker host=HOST` leaves it. */
async function cliConfig(contexts: Record<string, string>, current?: string): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
	if (current !== undefined) await writeFile(join(dir, 'config.json'), JSON.stringify({auths: {}, currentContext: current}));
	for (const [name, host] of Object.entries(contexts)) {
		const meta = join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
		await mkdir(meta, {recursive: true});
		await writeFile(join(meta, 'meta.json'), JSON.stringify({Name: name, Metadata: {Description: ''}, Endpoints: {docker: {Host: host, SkipTLSVerify: false}}}));
	}
	return dir;
}

test('without DOCKER_HOST the docker CLI current context names the endpoint: DOCKER_CONTEXT, then config.json', async () => {
	const dir = await cliConfig({e2e: 'unix:///run/canary-e2e/docker.sock', remote: 'ssh://deploy@canary-host'}, 'e2e');
	try {
		const fromConfig = dockerEndpointFromEnv({DOCKER_CONFIG: dir});
		assert.equal(fromConfig.socketPath, '/run/canary-e2e/docker.sock');
		assert.equal(fromConfig.describe, 'unix:///run/canary-e2e/docker.sock (context e2e)');
		// DOCKER_CONTEXT wins over config.json, as in the CLI.
		const fromEnv = dockerEndpointFromEnv({DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote'});
		assert.equal(fromEnv.options.protocol, 'ssh');
		assert.equal(fromEnv.describe, 'ssh://deploy@canary-host (context remote)');
		// DOCKER_HOST wins over both.
		assert.equal(dockerEndpointFromEnv({DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'unix:///x.sock'}).describe, 'unix:///x.sock');
		// ~/.docker when DOCKER_CONFIG is unset.
		const home = await mkdtemp(join(tmpdir(), 'home-'));
		await mkdir(join(home, '.docker'));
		await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({currentContext: 'default'}));
		assert.equal(currentDockerContext({HOME: home}), null, 'the default context is the default socket');
		assert.equal(dockerEndpointFromEnv({HOME: home}).socketPath, DEFAULT_SOCKET);
		await rm(home, {recursive: true});
	} finally {
		await rm(dir, {recursive: true});
	}
});

test('a context that cannot be read is named in the message, with what to do', async () => {
	const dir = await cliConfig({}, 'gone');
	try {
		assert.throws(() => dockerEndpointFromEnv({DOCKER_CONFIG: dir}), /Docker context gone \(from .*config\.json\) cannot be read at .*meta\.json.*docker context ls, or set DOCKER_HOST/);
		assert.throws(() => dockerEndpointFromEnv({DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'other'}), /Docker context other \(from DOCKER_CONTEXT\)/);
		await writeFile(join(dir, 'config.json'), '{not json');
		assert.throws(() => dockerEndpointFromEnv({DOCKER_CONFIG: dir}), /cannot read the Docker CLI config .*config\.json/);
	} finally {
		await rm(dir, {recursive: true});
	}
});

test('the console started with a context that cannot be read: the message alone on stderr, no stack trace, exit 1', async () => {
	const dir = await cliConfig({}, 'gone');
	const root = fileURLToPath(new URL('..', import.meta.url));
	const {DOCKER_HOST: _host, DOCKER_CONTEXT: _context, ...env} = process.env;
	try {
		const result = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => {
			const child = execFile(process.execPath, ['--import', 'tsx', 'source/cli.tsx', 'status', '--now', '--json'], {cwd: root, env: {...env, DOCKER_CONFIG: dir, NO_COLOR: '1'}, timeout: 30_000}, (_error, stdout, stderr) => resolve({code: child.exitCode, stdout, stderr}));
		});
		assert.equal(result.code, 1, result.stderr);
		assert.match(result.stderr, /^canary-console: Docker context gone \(from .*config\.json\) cannot be read at .*meta\.json.*docker context ls, or set DOCKER_HOST\n$/);
		assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
		assert.equal(result.stdout, '');
	} finally {
		await rm(dir, {recursive: true});
	}
});
