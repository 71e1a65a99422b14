import {test} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {deriveSeed, MAX_SEED, mulberry32, parseSeed} from '../source/domain/seeded-random.ts';
import {startEngine} from '../source/lab/engine.ts';
import {startLoad} from '../source/lab/load.ts';
import {waitFor} from './helpers/monitor-lab.ts';

const VALID = JSON.stringify({when: {utc: '2024-03-01T12:00:00Z'}, system: 'tropical', bodies: ['Sun', 'Moon']});

test('mulberry32 replays its stream from a seed; derived seeds give each part its own stream', () => {
	const draws = (seed: number) => Array.from({length: 5}, mulberry32(seed));
	assert.deepEqual(draws(42), draws(42));
	assert.notDeepEqual(draws(42), draws(43));
	assert.ok(draws(MAX_SEED).every((x) => x >= 0 && x < 1));
	const parts = ['engine-stable#0', 'engine-canary#0', 'engine-canary#1', 'load'].map((name) => deriveSeed(7, name));
	assert.equal(new Set(parts).size, 4);
	assert.equal(deriveSeed(7, 'load'), parts[3]);
	assert.notEqual(deriveSeed(8, 'load'), parts[3]);
	assert.ok(parts.every((seed) => Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED));
});

test('seeds from flags and the environment: whole numbers up to 2^32 - 1, anything else refused', () => {
	assert.equal(parseSeed('0'), 0);
	assert.equal(parseSeed(' 4294967295 '), MAX_SEED);
	for (const bad of [undefined, '', '-1', '1.5', '4294967296', '0x10', 'seven']) assert.equal(parseSeed(bad), null, String(bad));
});

test('an engine with the same seed draws the same errors and latencies; another seed does not', async () => {
	async function run(seed: number): Promise<string> {
		const engine = await startEngine({port: 0, version: '9.9.9', faults: {errorRate: 0.3, latencyMs: 2, jitterMs: 1}, log: () => {}, stderr: () => {}, random: mulberry32(seed)});
		try {
			const statuses: number[] = [];
			// One at a time: each request's draws follow the previous one's.
			for (let i = 0; i < 40; i++) {
				const response = await fetch(`${engine.url}/v1/positions`, {method: 'POST', body: VALID, headers: {'content-type': 'application/json'}});
				statuses.push(response.status);
				await response.text();
			}
			return statuses.join(' ');
		} finally {
			await engine.close();
		}
	}
	const first = await run(11);
	assert.match(first, /5\d\d/, 'some errors drawn');
	assert.equal(await run(11), first);
	assert.notEqual(await run(12), first);
});

test('the load generator with the same seed sends the same request mix in the same order', async () => {
	const received: string[] = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			received.push(`${req.method} ${req.url} ${body}`);
			res.end('{}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	async function run(seed: number): Promise<string[]> {
		received.length = 0;
		// One request in flight at most: they arrive in the order they were drawn.
		const load = startLoad({url, rps: 100, maxInFlight: 1, random: mulberry32(seed)});
		try {
			await waitFor('30 requests', () => received.length >= 30, 10_000, 10);
		} finally {
			await load.stop();
		}
		return received.slice(0, 30);
	}
	try {
		const first = await run(5);
		assert.ok(new Set(first.map((r) => r.split(' ')[1])).size >= 1);
		assert.deepEqual(await run(5), first);
		assert.notDeepEqual(await run(6), first);
	} finally {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
});
