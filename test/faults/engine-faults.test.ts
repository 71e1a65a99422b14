import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Lab} from '../../source/lab/lab.ts';
import {hangingServer, httpServer, showableFigures, startLabForFaults, until, watch} from './harness.ts';

// Fault matrix, engine side: what the person at the console sees when an engine misbehaves,
// and that the other engine keeps being watched meanwhile.

let lab: Lab;
before(async () => {
	lab = await startLabForFaults();
});
after(async () => {
	await lab?.stop();
});

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

test('engine answers 503: canary health unhealthy with the reason, stable stays healthy, then recovers', async () => {
	const w = watch(lab);
	try {
		await until(w.monitor, 'both healthy', (s) => s.engines.stable.health?.status === 'healthy' && s.engines.canary.health?.status === 'healthy');
		await lab.setFaults('canary', {health: 'unhealthy'});
		const s = await until(w.monitor, 'canary unhealthy', (s) => s.engines.canary.health?.status === 'unhealthy');
		assert.equal(s.engines.canary.health?.httpCode, 503);
		assert.ok(s.engines.canary.health?.error, 'no reason shown');
		assert.equal(s.engines.stable.health?.status, 'healthy');
		await lab.setFaults('canary', {health: 'healthy'});
		await until(w.monitor, 'canary healthy again', (s) => s.engines.canary.health?.status === 'healthy');
	} finally {
		await w.stop();
	}
});

test('/metrics slower than the timeout: probe timeout with a message, stable still polled, then recovers', async () => {
	const w = watch(lab, {probeTimeoutMs: 1000});
	try {
		await until(w.monitor, 'canary metrics ok', (s) => s.engines.canary.probe.state === 'ok');
		await lab.setFaults('canary', {slowMetricsMs: 2500});
		const s = await until(w.monitor, 'canary timeout', (s) => s.engines.canary.probe.state === 'timeout');
		assert.match(s.engines.canary.probe.message ?? '', /within 1000 ms|stopped answering/);
		const stableOkAt = s.engines.stable.probe.lastOkAt ?? 0;
		await until(w.monitor, 'stable polled meanwhile', (x) => x.engines.stable.probe.state === 'ok' && (x.engines.stable.probe.lastOkAt ?? 0) > stableOkAt);
		await lab.setFaults('canary', {slowMetricsMs: 0});
		await until(w.monitor, 'canary recovers', (x) => x.engines.canary.probe.state === 'ok', 8000);
	} finally {
		await w.stop();
	}
});

test('engine crashes (connection refused): refused shown, stable polled, engine back, log gap marked', async () => {
	const w = watch(lab);
	try {
		await until(w.monitor, 'canary ok', (s) => s.engines.canary.probe.state === 'ok');
		await lab.setFaults('canary', {crashAfterMs: 0});
		const s = await until(w.monitor, 'canary refused', (x) => x.engines.canary.probe.state === 'refused');
		assert.match(s.engines.canary.probe.message ?? '', /refused/);
		assert.equal(s.engines.canary.health?.status, 'unhealthy');
		assert.equal(s.engines.stable.probe.state, 'ok');
		await until(w.monitor, 'canary back', (x) => x.engines.canary.probe.state === 'ok', 10_000);
		await until(w.monitor, 'gap marker in the canary log', () => w.monitor.logStore.rings.canary.toArray().some((e) => e.gap !== undefined), 5000);
	} finally {
		await w.stop();
	}
});

test('counters reset (engine restarted): never a negative or infinite rate, reset flagged', async () => {
	const w = watch(lab);
	const bad: string[] = [];
	let sawReset = false;
	// The reset shows for one window only: record every published snapshot.
	const unsubscribe = w.monitor.subscribe(() => {
		const snapshot = w.monitor.getSnapshot();
		const problem = showableFigures(snapshot);
		if (problem) bad.push(problem);
		sawReset ||= snapshot.engines.canary.figures?.reset === true;
	});
	try {
		await until(w.monitor, 'canary figures', (s) => (s.engines.canary.figures?.requests ?? 0) > 0);
		const down = Date.now();
		await lab.restartEngine('canary');
		const outage = Date.now() - down;
		// A reset shows only when a scrape from before the restart is still inside the window;
		// after a longer outage the figures are simply empty for a poll (no spike either way).
		if (outage < w.monitor.config.windowSec * 1000 - 2 * w.monitor.config.pollIntervalMs) {
			await until(w.monitor, `reset seen (outage ${outage} ms)`, () => sawReset, 8000);
		}
		// Requests refused during the restart take the canary out of the balancer for its
		// fail_timeout (10 s), as nginx's passive health check does: traffic returns after that.
		await until(w.monitor, 'traffic counted again', (s) => s.engines.canary.probe.state === 'ok' && (s.engines.canary.figures?.requests ?? 0) > 0, 16_000);
		assert.deepEqual(bad, []);
		assert.equal(showableFigures(w.monitor.current()), null);
	} finally {
		unsubscribe();
		await w.stop();
	}
});

test('engine hangs (accepts, never answers): probe timeout with a message, stable keeps polling', async () => {
	const hang = await hangingServer();
	const w = watch(lab, {urls: {canary: hang.url}, probeTimeoutMs: 1000});
	try {
		const s = await until(w.monitor, 'canary timeout', (x) => x.engines.canary.probe.state === 'timeout');
		assert.ok((s.engines.canary.probe.message ?? '').length > 0);
		assert.equal(s.engines.canary.health?.status, 'unhealthy');
		const okAt = s.engines.stable.probe.lastOkAt ?? 0;
		await until(w.monitor, 'stable still polled', (x) => (x.engines.stable.probe.lastOkAt ?? 0) > okAt && x.engines.stable.health?.status === 'healthy');
		await until(w.monitor, 'canary polled again', (x) => x.engines.canary.probe.failures >= 2, 6000);
	} finally {
		await w.stop();
		await hang.close();
	}
});

test('engine answers garbage on /metrics and /healthz: bad-response, printable messages, stable unaffected', async () => {
	const garbage = await httpServer(() => Buffer.concat([randomBytes(2000), Buffer.from('\u001b]0;pwned\u0007\u001b[2J')]));
	const w = watch(lab, {urls: {canary: garbage.url}});
	try {
		const s = await until(w.monitor, 'canary bad-response', (x) => x.engines.canary.probe.state === 'bad-response' && x.engines.canary.health !== null);
		assert.ok(!CONTROL.test(s.engines.canary.probe.message ?? ''), `control character in ${JSON.stringify(s.engines.canary.probe.message)}`);
		assert.equal(s.engines.canary.health?.status, 'unknown');
		assert.ok(!CONTROL.test(s.engines.canary.health?.error ?? ''));
		assert.equal(s.engines.canary.figures, null);
		await until(w.monitor, 'stable ok', (x) => x.engines.stable.probe.state === 'ok');
	} finally {
		await w.stop();
		await garbage.close();
	}
});

test('/metrics answers a 10 MB page: refused as too big (bounded memory), stable unaffected', async () => {
	const line = 'involution_requests_total{endpoint="/v1/positions",method="POST",status_code="200"} 1.0\n';
	const huge = Buffer.from(line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)));
	const server = await httpServer((path) => (path.startsWith('/metrics') ? huge : '{"status":"healthy","version":"9.9.9"}'));
	const w = watch(lab, {urls: {canary: server.url}});
	try {
		const s = await until(w.monitor, 'canary bad-response', (x) => x.engines.canary.probe.state === 'bad-response');
		assert.match(s.engines.canary.probe.message ?? '', /MiB/);
		assert.equal(s.engines.canary.health?.status, 'healthy');
		await until(w.monitor, 'stable ok', (x) => x.engines.stable.probe.state === 'ok');
		assert.ok(process.memoryUsage().rss < 1024 * 1024 * 1024);
	} finally {
		await w.stop();
		await server.close();
	}
});
