import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {test} from 'node:test';
import {containerPathFor, hostSpellings} from '../source/adapters/docker/proxy.ts';

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
