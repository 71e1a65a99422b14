import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
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
		[{pollIntervalMs: -1}, /pollIntervalMs must be a number above 0 \(got -1\)/],
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

test('an unknown key is an error that names it, the closest valid key and the keys allowed there', () => {
	const cases: [unknown, RegExp][] = [
		[{windowsec: 30}, /unknown key "windowsec"; did you mean "windowSec"\? Keys allowed at the top level: profile, urls, .*windowSec/],
		[{thresholds: {p95FailMS: 250}}, /unknown key "thresholds\.p95FailMS"; did you mean "thresholds\.p95FailMs"\? Keys allowed at thresholds: p95WarnMs, p95FailMs/],
		// The right name at the wrong level: the suggestion is the key where it belongs.
		[{p95FailMs: 250}, /unknown key "p95FailMs"; did you mean "thresholds\.p95FailMs"\?/],
		[{docker: {names: {ngnix: 'proxy'}}}, /unknown key "docker\.names\.ngnix"; did you mean "docker\.names\.nginx"\? Keys allowed at docker\.names: stable, canary, nginx, services/],
		[{urls: {stabel: 'http://x:1'}}, /did you mean "urls\.stable"/],
	];
	for (const [layer, message] of cases) {
		assert.throws(() => buildConfig([layer]), (error: Error) => error instanceof ConfigError && message.test(error.message), String(message));
	}
});

test('wrong types and out-of-range values name the key, the allowed values and what was given', () => {
	const cases: [unknown, RegExp][] = [
		[{stages: ['60/30']}, /stages\[0\] must be a split "stable\/canary" of whole percentages adding up to 100.*got "60\/30": split 60\/30 adds up to 90, not 100/],
		[{stages: [{stable: 50, canary: 40}]}, /stages\[0\] .*adds up to 90, not 100/],
		[{stages: []}, /stages must be a list of one or more splits/],
		[{thresholds: {p95WarnMs: -5}}, /thresholds\.p95WarnMs must be a number above 0 \(got -5\)/],
		[{thresholds: {ratio5xxFailPct: 120}}, /thresholds\.ratio5xxFailPct must be a number from 0 to 100 \(got 120\)/],
		[{thresholds: {failureBudget: 2.5}}, /thresholds\.failureBudget must be a whole number from 1 to 100 \(got 2\.5\)/],
		[{thresholds: {p95WarnMs: 400}}, /thresholds\.p95WarnMs \(400\) must not be above thresholds\.p95FailMs \(300\)/],
		[{sampleSize: 'many'}, /sampleSize must be a whole number from 1 to 100000 \(got "many"\)/],
		[{allowNoAudit: 'yes'}, /allowNoAudit must be true or false \(got "yes"\)/],
		[{backupsKept: 0}, /backupsKept must be a whole number from 1 to 10000 \(got 0\)/],
		[{urls: null}, /urls must be an object with the keys balancer, stable, canary \(got null\)/],
	];
	for (const [layer, message] of cases) {
		assert.throws(() => buildConfig([layer]), (error: Error) => error instanceof ConfigError && message.test(error.message), String(message));
	}
});

test('every problem of a config is listed, one per line', () => {
	assert.throws(
		() => buildConfig([{windowsec: 30, thresholds: {zWarn: -1}}]),
		(error: Error) => error.message.split('\n').length === 2 && /windowsec/.test(error.message) && /thresholds\.zWarn must be a number above 0/.test(error.message),
	);
});

test('the documented example config and the defaults pass the schema', () => {
	const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
	const example = /```json\n([\s\S]*?)\n```/.exec(readme);
	assert.ok(example, 'README.md has a JSON config example');
	const config = buildConfig([JSON.parse(example[1]!)]);
	assert.equal(config.thresholds.failureBudget, 3);
	assert.equal(buildConfig([]).backupsKept, 20);
});
