import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildConfig, ConfigError, configFromEnv, DEFAULT_CONFIG, readConfigFile} from '../source/config.ts';

test('defaults are the guide\'s names, ports and thresholds', () => {
	const config = buildConfig([]);
	assert.equal(config.urls.balancer, 'http://localhost:8080');
	assert.equal(config.urls.stable, 'http://localhost:8081');
	assert.equal(config.urls.canary, 'http://localhost:8082');
	assert.equal(config.upstream, 'involution_engine');
	assert.equal(config.docker.names.nginx, 'nginx-canary');
	assert.equal(config.docker.nginxConfig.container, '/etc/nginx/conf.d/default.conf');
	assert.deepEqual(config.stages, [{stable: 90, canary: 10}, {stable: 50, canary: 50}, {stable: 0, canary: 100}]);
	assert.equal(config.thresholds.p95FailMs, 300);
	assert.equal(config.thresholds.ratio5xxFailPct, 0.5);
});

test('layers override in order: file, then environment, then flags; nested objects merge', () => {
	const config = buildConfig([
		{urls: {canary: 'http://10.0.0.2:8082'}, thresholds: {p95FailMs: 250}, stages: ['80/20', '0/100']},
		configFromEnv({CANARY_CONSOLE_STABLE_URL: 'http://stable.internal:8081'}),
		{windowSec: 30, urls: {canary: 'http://127.0.0.1:9102'}},
	]);
	assert.equal(config.urls.canary, 'http://127.0.0.1:9102');
	assert.equal(config.urls.stable, 'http://stable.internal:8081');
	assert.equal(config.urls.balancer, DEFAULT_CONFIG.urls.balancer);
	assert.equal(config.thresholds.p95FailMs, 250);
	assert.equal(config.thresholds.p95WarnMs, 200, 'other thresholds keep their defaults');
	assert.deepEqual(config.stages, [{stable: 80, canary: 20}, {stable: 0, canary: 100}]);
	assert.equal(config.windowSec, 30);
});

test('a bad value gets a message that names the field and the fix', () => {
	const cases: [unknown, RegExp][] = [
		[{urls: {stable: 'localhost:8081'}}, /urls\.stable must be an http:\/\/ URL/],
		[{pollIntervalMs: -1}, /pollIntervalMs must be a positive number/],
		[{stages: ['90/20']}, /stages\[0\]/],
		[{profile: 'graphite'}, /profile must be one of involution, http/],
		[{windowSec: 1, pollIntervalMs: 2000}, /windowSec \(1\) must cover at least two polls/],
		[{upstream: 'a b'}, /upstream must be an nginx upstream name/],
	];
	for (const [layer, message] of cases) {
		assert.throws(() => buildConfig([layer]), (error: Error) => error instanceof ConfigError && message.test(error.message), String(message));
	}
});

test('a broken config file is reported with its path, never a stack trace', () => {
	const dir = mkdtempSync(join(tmpdir(), 'canary-console-config-'));
	const path = join(dir, 'broken.json');
	writeFileSync(path, '{"urls": {');
	assert.throws(() => readConfigFile(path), (error: Error) => error instanceof ConfigError && error.message.includes(path) && /not valid JSON/.test(error.message));
	assert.throws(() => readConfigFile(join(dir, 'missing.json')), (error: Error) => error instanceof ConfigError && /cannot read config file/.test(error.message));
});
