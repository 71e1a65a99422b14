import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createServer, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {figuresFromAnswers, promQueries, type PromSelectors} from '../source/domain/promql.ts';
import {HTTP_PROFILE, INVOLUTION_PROFILE} from '../source/domain/profiles.ts';
import {createPrometheusClient} from '../source/adapters/prometheus-api.ts';
import {DEFAULT_PROMETHEUS} from '../source/config-metrics.ts';
import {buildConfig} from '../source/config.ts';
import {pickPorts} from '../source/lab/lab-process.ts';
import type {ProbeError} from '../source/core/types.ts';

// Prometheus as the source without a Prometheus: the queries as written, the answers read
// back (an empty answer is no data), and the credentials, which reach Prometheus' request
// headers and nothing a person or a file sees. The real server is in test/prometheus/.

const SEL: PromSelectors = {labels: {role: 'role', replica: 'replica'}, roleValues: {stable: 'stable', canary: 'canary'}, selector: 'job="engines"', memoryMetric: 'process_resident_memory_bytes'};

test('the PromQL per role: p95 from buckets summed by le, 5xx ratio with 0 for no 5xx series, rates, memory; the console\'s own polling left out', () => {
	const q = promQueries(INVOLUTION_PROFILE, SEL, 'canary', 60);
	const m = '{role="canary",job="engines",endpoint!~"/healthz|/metrics"}';
	assert.equal(q.p95, `histogram_quantile(0.95, sum by (le) (rate(involution_request_duration_seconds_bucket${m}[60s])))`);
	assert.equal(q.rps, `sum (rate(involution_requests_total${m}[60s]))`);
	assert.equal(q.ratio5xx, `(sum (increase(involution_requests_total{role="canary",job="engines",endpoint!~"/healthz|/metrics",status_code=~"5.."}[60s])) or vector(0)) / sum (increase(involution_requests_total${m}[60s]))`);
	assert.equal(q.memory, 'max (process_resident_memory_bytes{role="canary",job="engines"})');
	const byReplica = promQueries(INVOLUTION_PROFILE, SEL, 'stable', 30, 'replica');
	assert.match(byReplica.p95, /^histogram_quantile\(0\.95, sum by \(replica, le\) \(rate\(involution_request_duration_seconds_bucket\{role="stable",/);
	assert.match(byReplica.errors5xx, /^\(sum by \(replica\) \(increase\(.*\)\) or \(sum by \(replica\) .*\) \* 0\)$/);
	// The generic profile: its names and every endpoint label it knows.
	const http = promQueries(HTTP_PROFILE, {...SEL, selector: '', roleValues: {stable: 'v1', canary: 'v2 "beta"'}}, 'canary', 60);
	assert.equal(http.rps, 'sum (rate(http_requests_total{role="v2 \\"beta\\"",handler!~"/healthz|/metrics",path!~"/healthz|/metrics",endpoint!~"/healthz|/metrics",route!~"/healthz|/metrics"}[60s]))');
	assert.match(http.errors5xx, /code=~"5\.\."/);
});

test('an empty answer is no data: no figures, never 0 ms; NaN p95 (no observation) is no p95', () => {
	assert.equal(figuresFromAnswers({requests: [], p95: [], rps: []}, 60), null);
	const quiet = figuresFromAnswers({requests: [{labels: {}, value: 0}], errors5xx: [{labels: {}, value: 0}], latencyCount: [{labels: {}, value: 0}], p95: [{labels: {}, value: Number.NaN}], rps: [{labels: {}, value: 0}]}, 60);
	assert.equal(quiet?.p95, null);
	assert.equal(quiet?.ratio5xx, null, 'no requests: no ratio');
	const busy = figuresFromAnswers({requests: [{labels: {}, value: 600}], errors5xx: [{labels: {}, value: 6}], ratio5xx: [{labels: {}, value: 0.01}], latencyCount: [{labels: {}, value: 600}], p95: [{labels: {}, value: 0.12}], rps: [{labels: {}, value: 10}]}, 60);
	assert.deepEqual([busy?.p95, busy?.ratio5xx, busy?.rps, busy?.errors5xx], [{seconds: 0.12, atLeast: false}, 0.01, 10, 6]);
});

interface FakeProm {
	url: string;
	seen: IncomingMessage[];
	server: Server;
}

/** Answers every query with an empty vector (or a status of the test's choosing) and keeps the requests. */
async function fakePrometheus(status = 200): Promise<FakeProm> {
	const seen: IncomingMessage[] = [];
	const server = createServer((req, res) => {
		seen.push(req);
		res.writeHead(status, {'content-type': 'application/json'});
		res.end(status === 200 ? JSON.stringify({status: 'success', data: {resultType: 'vector', result: []}}) : JSON.stringify({status: 'error', error: 'unauthorized'}));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server};
}

test('the client sends a bearer token from the environment or basic auth from a password file; a refusal and an unreadable file are said without the secret', async () => {
	const prom = await fakePrometheus();
	const dir = mkdtempSync(join(tmpdir(), 'prom-auth-'));
	try {
		const token = 'tok-env-5b1e';
		await createPrometheusClient({...DEFAULT_PROMETHEUS, url: prom.url}, {CANARY_CONSOLE_PROMETHEUS_TOKEN: token}).instant('up');
		assert.equal(prom.seen.at(-1)?.headers.authorization, `Bearer ${token}`);
		assert.match(prom.seen.at(-1)?.url ?? '', /^\/api\/v1\/query\?query=up$/);
		writeFileSync(join(dir, 'password'), 'pw-file-9c2d\n');
		await createPrometheusClient({...DEFAULT_PROMETHEUS, url: `${prom.url}/prom/`, basicAuth: {username: 'ops', passwordFile: join(dir, 'password')}}, {}).instant('up');
		assert.equal(prom.seen.at(-1)?.headers.authorization, `Basic ${Buffer.from('ops:pw-file-9c2d').toString('base64')}`);
		assert.match(prom.seen.at(-1)?.url ?? '', /^\/prom\/api\/v1\/query\?/);
		const missing = createPrometheusClient({...DEFAULT_PROMETHEUS, url: prom.url, bearerTokenFile: join(dir, 'nope')}, {});
		await assert.rejects(missing.instant('up'), (error: ProbeError) => /cannot read metrics\.prometheus\.bearerTokenFile .*nope: ENOENT/.test(error.message));
		const refusing = await fakePrometheus(401);
		try {
			await assert.rejects(createPrometheusClient({...DEFAULT_PROMETHEUS, url: refusing.url}, {CANARY_CONSOLE_PROMETHEUS_TOKEN: token}).instant('up'), (error: ProbeError) => error.message.includes('refused the credentials (HTTP 401)') && !error.message.includes(token));
		} finally {
			refusing.server.close();
		}
	} finally {
		prom.server.close();
		rmSync(dir, {recursive: true, force: true});
	}
});

test('https: a private CA from caFile is trusted, an unknown certificate is refused unless insecure', async () => {
	const {createServer: createHttps} = await import('node:https');
	const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
	const server = createHttps({key: readFileSync(fixture('tls-prometheus.key')), cert: readFileSync(fixture('tls-prometheus.pem'))}, (_req, res) => {
		res.writeHead(200, {'content-type': 'application/json'});
		res.end(JSON.stringify({status: 'success', data: {resultType: 'vector', result: [{metric: {replica: 'C1'}, value: [1, '0.25']}]}}));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	try {
		const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
		const trusted = createPrometheusClient({...DEFAULT_PROMETHEUS, url, caFile: fixture('tls-ca.pem')}, {});
		assert.deepEqual(await trusted.instant('x'), [{labels: {replica: 'C1'}, value: 0.25}]);
		await assert.rejects(createPrometheusClient({...DEFAULT_PROMETHEUS, url}, {}).instant('x'), (error: ProbeError) => /Prometheus at https:\/\/127\.0\.0\.1:\d+/.test(error.message) && /certificate|SELF_SIGNED|UNABLE_TO/i.test(error.message));
		assert.equal((await createPrometheusClient({...DEFAULT_PROMETHEUS, url, insecure: true}, {}).instant('x')).length, 1);
	} finally {
		server.close();
	}
});

test('a URL with credentials in it is refused by the config: they belong in the environment or a file', () => {
	assert.throws(() => buildConfig([{metrics: {prometheus: {url: 'http://ops:secret@prom:9090'}}}]), /metrics\.prometheus\.url/);
	assert.equal(buildConfig([{metrics: {prometheus: {url: 'https://prom:9090'}}}]).metrics.prometheus.url, 'https://prom:9090');
});

function run(args: string[], env: Record<string, string>): Promise<{code: number | null; out: string}> {
	const child = spawn(process.execPath, ['bin/canary-console.js', ...args], {env: {...process.env, CI: 'true', ...env}});
	let out = '';
	child.stdout.on('data', (chunk) => (out += chunk));
	child.stderr.on('data', (chunk) => (out += chunk));
	return new Promise((resolve) => child.on('exit', (code) => resolve({code, out})));
}

/** The files of a .tar.gz as text (ustar: 512-byte headers, contents padded to 512). */
function untarText(gz: Buffer): string {
	const tar = gunzipSync(gz);
	let text = '';
	for (let at = 0; at + 512 <= tar.length; ) {
		const size = Number.parseInt(tar.subarray(at + 124, at + 136).toString().replace(/\0.*$/, '').trim() || '0', 8);
		if (tar[at] === 0) break;
		text += tar.subarray(at + 512, at + 512 + size).toString('utf8');
		at += 512 + Math.ceil(size / 512) * 512;
	}
	return text;
}

test('with Prometheus as the source, its token reaches Prometheus but not status --json, the report, the audit log or the bundle', async () => {
	const prom = await fakePrometheus();
	const dir = mkdtempSync(join(tmpdir(), 'prom-secret-'));
	try {
		const token = 'tok-cli-e41f0a';
		const config = join(dir, 'config.json');
		writeFileSync(config, JSON.stringify({metrics: {prometheus: {url: prom.url}}}));
		const env = {CANARY_CONSOLE_PROMETHEUS_TOKEN: token};
		const ports = async () => Object.values(await pickPorts({balancer: 0, stable: 0, canary: 0})).join(',');
		const lab = async (extra: string[]) => ['--demo', '--balancer', 'lab', '--lab-ports', await ports(), '--config', config, ...extra];
		const state = join(dir, 'state');
		// Two labs at a time: the machine may be shared.
		const [[status, report], bundle] = await Promise.all([
			(async () => [await run(['status', '--json', ...(await lab(['--window', '4']))], env), await run(['report', '--out', join(dir, 'report.md'), ...(await lab(['--window', '4']))], env)])(),
			(async () => {
				const weights = await run(['weights', '80/20', '--yes', ...(await lab(['--state-dir', state]))], env);
				assert.equal(weights.code, 0, weights.out);
				assert.match(readFileSync(join(state, 'audit.jsonl'), 'utf8'), /"to":"80\/20"|80\/20/, `the change is in the audit log: ${weights.out}`);
				return run(['bundle', '--since', '5m', '--out', join(dir, 'bundle.tar.gz'), ...(await lab(['--state-dir', state]))], env);
			})(),
		]);
		const json = JSON.parse(status.out.slice(status.out.indexOf('{')));
		assert.equal(json.engines.canary.window, null, 'Prometheus answered no series: no figures');
		assert.match(json.runtime.describe, /^lab \(.*\); metrics from Prometheus at http:\/\/127\.0\.0\.1:\d+$/);
		const p95 = json.verdict.checks.find((row: {id: string}) => row.id === 'p95');
		assert.equal(p95.state, 'NO DATA');
		assert.match(p95.queries.canary, /^histogram_quantile\(0\.95/);
		assert.ok(prom.seen.length > 0 && prom.seen.every((req) => req.headers.authorization === `Bearer ${token}`), 'every query carried the token');
		assert.equal(bundle.code, 0, bundle.out);
		const seen = {status: status.out, report: `${report.out}${readFileSync(join(dir, 'report.md'), 'utf8')}`, audit: readFileSync(join(state, 'audit.jsonl'), 'utf8'), bundle: `${bundle.out}${untarText(readFileSync(join(dir, 'bundle.tar.gz')))}`};
		assert.ok(seen.bundle.includes(seen.audit.trim().split('\n')[0]!), 'the bundle holds the audit log');
		for (const [where, text] of Object.entries(seen)) assert.ok(!text.includes(token), `no token in ${where}`);
	} finally {
		prom.server.close();
		rmSync(dir, {recursive: true, force: true});
	}
});
