import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {createNotifier, eventBody, redactUrl, WebhookConfigError, type DeliveryFailure} from '../source/adapters/webhook.ts';
import {waitUntil} from './helpers/wait.ts';

interface Received {
	path: string;
	contentType: string | undefined;
	body: unknown;
}

async function receiver(port = 0, status = 200): Promise<{server: Server; url: string; port: number; received: Received[]; close: () => Promise<void>}> {
	const received: Received[] = [];
	const server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			received.push({path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8'))});
			response.writeHead(status).end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	const actual = (server.address() as AddressInfo).port;
	return {
		server,
		port: actual,
		url: `http://127.0.0.1:${actual}/hooks/T000/secret`,
		received,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

test('a JSON event arrives as a POST with the event, text, time and details', async () => {
	const hook = await receiver();
	const notifier = createNotifier({urls: [hook.url], format: 'json', timeoutMs: 2000, retries: 2});
	try {
		notifier.notify({type: 'auto-rollback', text: 'rolled back 50/50 -> 100/0', at: Date.UTC(2025, 0, 2, 3, 4, 5), details: {from: '50/50', to: '100/0'}});
		await waitUntil('delivery', () => hook.received.length === 1);
		const [got] = hook.received;
		assert.equal(got.path, '/hooks/T000/secret');
		assert.equal(got.contentType, 'application/json');
		assert.deepEqual(got.body, {source: 'canary-console', event: 'auto-rollback', text: 'rolled back 50/50 -> 100/0', time: '2025-01-02T03:04:05.000Z', from: '50/50', to: '100/0'});
		await waitUntil('delivered count', () => notifier.delivered === 1);
		assert.equal(notifier.failures.length, 0);
		assert.equal(notifier.pending, 0);
	} finally {
		await notifier.close();
		await hook.close();
	}
});

test('the Slack form is {"text": ...} with markup characters escaped', async () => {
	const hook = await receiver();
	const notifier = createNotifier({urls: [hook.url], format: 'slack'});
	try {
		notifier.notify({type: 'verdict-fail', text: 'canary p95 > 300 ms & <!channel>', details: {ignored: true}});
		await waitUntil('delivery', () => hook.received.length === 1);
		assert.deepEqual(hook.received[0].body, {text: '[canary-console] verdict-fail: canary p95 &gt; 300 ms &amp; &lt;!channel&gt;'});
	} finally {
		await notifier.close();
		await hook.close();
	}
});

test('receiver down: notify returns at once, retries with backoff, records the failure; when it comes back a later event arrives', async () => {
	// A port that was just free: nothing listens there now.
	const probe = await receiver();
	const {port, url} = probe;
	await probe.close();
	const seen: DeliveryFailure[] = [];
	let attempts = 0;
	const notifier = createNotifier({
		urls: [url],
		retries: 3,
		backoffMs: 40,
		timeoutMs: 1000,
		onFailure: (failure) => seen.push(failure),
		fetch: async (target, init) => {
			attempts++;
			return fetch(target, init);
		},
	});
	try {
		const started = performance.now();
		notifier.notify({type: 'verdict-fail', text: 'first'});
		// Nothing was sent on the caller's path: notify only queued.
		assert.equal(attempts, 0);
		assert.equal(notifier.pending, 1);
		await waitUntil('the failure to be recorded', () => notifier.failures.length === 1);
		// 1 attempt + 3 retries, waiting 40 + 80 + 160 ms between them.
		assert.equal(attempts, 4);
		assert.ok(performance.now() - started >= 280, 'the retries were spaced by the backoff');
		const [failure] = notifier.failures;
		assert.equal(failure.event, 'verdict-fail');
		assert.equal(failure.attempts, 4);
		assert.match(failure.message, /ECONNREFUSED/);
		// The secret path of the URL never appears in what the screen shows.
		assert.equal(failure.url, `http://127.0.0.1:${port}/…`);
		assert.doesNotMatch(failure.message, /secret/);
		assert.deepEqual(seen, [failure]);

		const back = await receiver(port);
		try {
			notifier.notify({type: 'stage-change', text: 'second'});
			await waitUntil('the later event', () => back.received.length === 1);
			assert.equal((back.received[0].body as {text: string}).text, 'second');
			assert.equal(notifier.failures.length, 1);
		} finally {
			await back.close();
		}
	} finally {
		await notifier.close();
	}
});

test('a receiver that comes back during the backoff still gets the event', async () => {
	const probe = await receiver();
	const {port, url} = probe;
	await probe.close();
	let attempts = 0;
	let back: Awaited<ReturnType<typeof receiver>> | null = null;
	const notifier = createNotifier({
		urls: [url],
		retries: 5,
		backoffMs: 50,
		fetch: async (target, init) => {
			attempts++;
			try {
				return await fetch(target, init);
			} finally {
				if (attempts === 2 && !back) back = await receiver(port);
			}
		},
	});
	try {
		notifier.notify({type: 'change-verified', text: 'promoted'});
		// The receiver sees the body before the notifier sees the answer: wait for both.
		await waitUntil('delivery after the receiver came back', () => (back?.received.length ?? 0) === 1 && notifier.delivered === 1);
		assert.equal(attempts, 3);
		assert.equal(notifier.failures.length, 0);
		assert.equal(notifier.delivered, 1);
	} finally {
		await notifier.close();
		await (back as Awaited<ReturnType<typeof receiver>> | null)?.close();
	}
});

test('a 4xx answer is not retried; a 5xx answer is', async () => {
	const gone = await receiver(0, 404);
	const broken = await receiver(0, 503);
	const notifier = createNotifier({urls: [gone.url, broken.url], retries: 2, backoffMs: 10});
	try {
		notifier.notify({type: 'change-not-verified', text: 'x'});
		await waitUntil('both failures', () => notifier.failures.length === 2);
		assert.equal(gone.received.length, 1);
		assert.equal(broken.received.length, 3);
		const byUrl = Object.fromEntries(notifier.failures.map((f) => [f.url, f]));
		assert.match(byUrl[redactUrl(gone.url)].message, /HTTP 404 *$/);
		assert.match(byUrl[redactUrl(broken.url)].message, /after 3 attempts: HTTP 503/);
	} finally {
		await notifier.close();
		await gone.close();
		await broken.close();
	}
});

test('the queue is bounded: the oldest waiting event is dropped and recorded', async () => {
	const releases: Array<() => void> = [];
	const bodies: string[] = [];
	const notifier = createNotifier({
		urls: ['http://127.0.0.1:9/hook'],
		maxQueue: 2,
		fetch: (_url, init) => {
			bodies.push(init.body);
			return new Promise((resolve) => releases.push(() => resolve({ok: true, status: 200, text: async () => ''})));
		},
	});
	try {
		notifier.notify({type: 'stage-change', text: 'a'});
		await waitUntil('a in flight', () => releases.length === 1);
		for (const text of ['b', 'c', 'd']) notifier.notify({type: 'stage-change', text});
		// 'a' is in flight, 'b' was pushed out by 'd'.
		assert.equal(notifier.pending, 3);
		assert.equal(notifier.failures.length, 1);
		assert.match(notifier.failures[0].message, /dropped: more than 2 notifications waiting/);
		while (notifier.pending > 0) {
			await waitUntil('a request', () => releases.length > 0);
			releases.shift()!();
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		assert.deepEqual(bodies.map((b) => (JSON.parse(b) as {text: string}).text), ['a', 'c', 'd']);
	} finally {
		await notifier.close();
	}
});

test('flush skips the backoff and reports whether everything went out', async () => {
	let calls = 0;
	const notifier = createNotifier({
		urls: ['http://127.0.0.1:9/hook'],
		retries: 3,
		backoffMs: 60_000,
		fetch: async () => {
			calls++;
			return {ok: calls >= 3, status: calls >= 3 ? 200 : 500, text: async () => ''};
		},
	});
	try {
		notifier.notify({type: 'auto-rollback', text: 'x'});
		const started = Date.now();
		assert.equal(await notifier.flush(3000), true);
		assert.ok(Date.now() - started < 2000);
		assert.equal(calls, 3);
		assert.equal(notifier.delivered, 1);
	} finally {
		await notifier.close();
	}
});

test('invalid URLs are refused up front; the body helpers format both forms', () => {
	assert.throws(() => createNotifier({urls: ['ftp://example.invalid/x']}), WebhookConfigError);
	assert.throws(() => createNotifier({urls: ['not a url']}), /not a URL/);
	assert.equal(redactUrl('http://127.0.0.1:8/'), 'http://127.0.0.1:8');
	assert.equal(redactUrl('https://hooks.example.test/services/abc'), 'https://hooks.example.test/…');
	assert.deepEqual(JSON.parse(eventBody({type: 'stage-change', text: 't', at: 0}, 'json')), {source: 'canary-console', event: 'stage-change', text: 't', time: '1970-01-01T00:00:00.000Z'});
});
