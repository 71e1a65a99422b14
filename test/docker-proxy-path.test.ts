import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {containerPathFor, hostPathsFor, hostSpellings} from '../source/adapters/docker/proxy.ts';
import {findNginxHostFile} from '../source/adapters/docker/nginx-file.ts';

const HOST = '/srv/canary/ops/nginx/canary.conf';
const bind = (source: string, destination: string) => ({type: 'bind', source, destination});

test('the engine\'s own layout: the single file mounted as default.conf', () => {
	assert.equal(containerPathFor([HOST], [bind(HOST, '/etc/nginx/conf.d/default.conf')]), '/etc/nginx/conf.d/default.conf');
});

test('our compose layout: the directory mounted as conf.d', () => {
	assert.equal(containerPathFor([HOST], [bind('/srv/canary/ops/nginx', '/etc/nginx/conf.d')]), '/etc/nginx/conf.d/canary.conf');
	// Docker may record the source with a trailing slash.
	assert.equal(containerPathFor([HOST], [bind('/srv/canary/ops/nginx/', '/etc/nginx/conf.d')]), '/etc/nginx/conf.d/canary.conf');
});

test('a directory further up maps the rest of the path; the deepest mount wins', () => {
	assert.equal(containerPathFor([HOST], [bind('/srv/canary', '/opt/canary')]), '/opt/canary/ops/nginx/canary.conf');
	const mounts = [bind('/srv/canary', '/opt/canary'), bind(HOST, '/etc/nginx/conf.d/default.conf'), bind('/srv/canary/ops/nginx', '/etc/nginx/conf.d')];
	assert.equal(containerPathFor([HOST], mounts), '/etc/nginx/conf.d/default.conf');
	assert.equal(containerPathFor([HOST], [bind('/', '/host')]), '/host/srv/canary/ops/nginx/canary.conf');
});

test('no match: volumes, other files, sibling directories with a common prefix', () => {
	assert.equal(containerPathFor([HOST], []), null);
	assert.equal(containerPathFor([HOST], [{type: 'volume', source: '/srv/canary/ops/nginx', destination: '/etc/nginx/conf.d'}]), null);
	assert.equal(containerPathFor([HOST], [bind('/srv/canary/ops/nginx/other.conf', '/etc/nginx/conf.d/default.conf')]), null);
	assert.equal(containerPathFor([HOST], [bind('/srv/canary/ops/ngin', '/etc/nginx')]), null);
	assert.equal(containerPathFor([HOST], [bind('/srv/canary/ops/nginx/canary.conf.bak', '/x')]), null);
});

test('any spelling of the host file matches (as configured, or with symlinks resolved)', () => {
	assert.equal(containerPathFor(['/real/nginx/canary.conf', HOST], [bind('/real/nginx', '/etc/nginx/conf.d')]), '/etc/nginx/conf.d/canary.conf');
});

test('hostSpellings: absolute and symlink-resolved forms of a relative path', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'proxy-path-'));
	try {
		await mkdir(join(dir, 'real'));
		await writeFile(join(dir, 'real', 'canary.conf'), 'x');
		await symlink(join(dir, 'real'), join(dir, 'link'));
		const spellings = await hostSpellings(join(dir, 'link', 'canary.conf'));
		assert.ok(spellings.includes(join(dir, 'link', 'canary.conf')));
		assert.ok(spellings.some((p) => p.endsWith('/real/canary.conf')));
		// A missing file still resolves through its directory.
		const missing = await hostSpellings(join(dir, 'link', 'gone.conf'));
		assert.ok(missing.some((p) => p.endsWith('/real/gone.conf')));
		const relative = await hostSpellings('ops/nginx/canary.conf');
		assert.ok(relative.includes(resolve('ops/nginx/canary.conf')));
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('the host file from the nginx container\'s mounts: the guide\'s single file, our directory, none', async () => {
	const single = [bind('/srv/canary/ops/nginx/canary.conf', '/etc/nginx/conf.d/default.conf'), bind('/srv/logs', '/var/log/nginx')];
	assert.deepEqual(hostPathsFor('/etc/nginx/conf.d/default.conf', single, 'canary.conf'), ['/srv/canary/ops/nginx/canary.conf']);
	// The compose layout: the directory as conf.d; the configured name is offered beside the container's.
	const dir = [bind('/srv/canary/ops/nginx/', '/etc/nginx/conf.d')];
	assert.deepEqual(hostPathsFor('/etc/nginx/conf.d/default.conf', dir, 'canary.conf'), ['/srv/canary/ops/nginx/default.conf', '/srv/canary/ops/nginx/canary.conf']);
	// The deepest mount wins, as inside the container.
	assert.deepEqual(hostPathsFor('/etc/nginx/conf.d/default.conf', [bind('/srv', '/etc'), ...single]), ['/srv/canary/ops/nginx/canary.conf', '/srv/nginx/conf.d/default.conf']);
	assert.deepEqual(hostPathsFor('/etc/nginx/conf.d/default.conf', [{type: 'volume', source: '/var/lib/docker/volumes/x/_data', destination: '/etc/nginx/conf.d'}]), []);
});

test('findNginxHostFile: the configured path when it exists, else the first mounted one that exists', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'nginx-file-'));
	try {
		const file = join(dir, 'canary.conf');
		await writeFile(file, 'upstream involution_engine { server a:1; }\n');
		const fake = (mounts: Array<{Type: string; Source: string; Destination: string}>) =>
			({getContainer: () => ({inspect: async () => ({Mounts: mounts})})}) as unknown as Docker;
		const configured = {host: 'ops/nginx/canary.conf', container: '/etc/nginx/conf.d/default.conf'};
		const found = await findNginxHostFile(fake([{Type: 'bind', Source: file, Destination: configured.container}]), 'nginx-canary', configured, '/');
		assert.equal(found.path, file);
		assert.match(found.found!, /ops\/nginx\/canary\.conf is not in \/: using .*canary\.conf, the file nginx-canary mounts at \/etc\/nginx\/conf\.d\/default\.conf/);
		// Run from the directory that holds ops/: the configured path, no inspect needed.
		await mkdir(join(dir, 'ops/nginx'), {recursive: true});
		await writeFile(join(dir, 'ops/nginx', 'canary.conf'), 'x');
		const broken = {getContainer: () => ({inspect: async () => { throw new Error('not asked'); }})} as unknown as Docker;
		assert.deepEqual(await findNginxHostFile(broken, 'nginx-canary', configured, dir), {path: configured.host, found: null});
		// Docker unreachable or nothing mounted: the configured path stays (its errors say ENOENT and where).
		assert.deepEqual(await findNginxHostFile(broken, 'nginx-canary', configured, '/'), {path: configured.host, found: null});
		assert.deepEqual(await findNginxHostFile(fake([]), 'nginx-canary', configured, '/'), {path: configured.host, found: null});
	} finally {
		await rm(dir, {recursive: true});
	}
});
