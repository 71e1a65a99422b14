// Webhook notifications: a JSON POST per event (or Slack's {"text": ...} form) to each URL.
// notify() only queues: delivery, retries and backoff run in the background, so a slow or
// dead receiver never holds up the screen or the analysis loop. Failures are kept for the
// screen and reported through onFailure.

import {Agent, fetch as undiciFetch} from 'undici';
import {backoffDelay} from '../domain/backoff.ts';

export type {NotifyEvent, NotifyEventType} from '../core/automation/notify.ts';
import type {NotifyEvent, NotifyEventType} from '../core/automation/notify.ts';

export interface DeliveryFailure {
	at: number;
	/** The receiver without its path: Slack-style URLs carry their secret in the path. */
	url: string;
	event: NotifyEventType;
	attempts: number;
	message: string;
}

export interface FetchLikeResponse {
	ok: boolean;
	status: number;
	text(): Promise<string>;
}

export type FetchLike = (
	url: string,
	init: {method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal},
) => Promise<FetchLikeResponse>;

export interface NotifierOptions {
	urls: string[];
	format?: 'json' | 'slack';
	/** Per attempt. Default 5000. */
	timeoutMs?: number;
	/** Attempts after the first one. Default 3. */
	retries?: number;
	/** First retry delay, doubled on each further retry up to maxBackoffMs. Default 500. */
	backoffMs?: number;
	maxBackoffMs?: number;
	/** Events waiting per URL; beyond it the oldest is dropped (and recorded). Default 100. */
	maxQueue?: number;
	fetch?: FetchLike;
	onFailure?: (failure: DeliveryFailure) => void;
	now?: () => number;
}

export interface Notifier {
	/** Queues the event for every URL and returns at once. */
	notify(event: NotifyEvent): void;
	/** Recent delivery failures, oldest first (bounded). */
	readonly failures: readonly DeliveryFailure[];
	readonly delivered: number;
	/** Events queued or in flight over all URLs. */
	readonly pending: number;
	/** Waits until every queued event is delivered or given up; false when the deadline passed first. */
	flush(timeoutMs?: number): Promise<boolean>;
	/** Stops delivering; queued events are dropped. */
	close(): Promise<void>;
}

const MAX_FAILURES = 50;

export class WebhookConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'WebhookConfigError';
	}
}

/** Scheme, host and port only, for messages and the screen. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return parsed.pathname === '/' && !parsed.search ? parsed.origin : `${parsed.origin}/…`;
	} catch {
		return '(invalid url)';
	}
}

/** Slack treats &, < and > as markup; text from logs must not become links or mentions. */
function slackEscape(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function eventBody(event: NotifyEvent, format: 'json' | 'slack'): string {
	const at = event.at ?? Date.now();
	if (format === 'slack') return JSON.stringify({text: `[canary-console] ${event.type}: ${slackEscape(event.text)}`});
	return JSON.stringify({...event.details, source: 'canary-console', event: event.type, text: event.text, time: new Date(at).toISOString()});
}

interface Lane {
	url: string;
	queue: NotifyEvent[];
	busy: boolean;
}

export function createNotifier(options: NotifierOptions): Notifier {
	const format = options.format ?? 'json';
	const timeoutMs = options.timeoutMs ?? 5000;
	const retries = Math.max(0, options.retries ?? 3);
	const backoffMs = options.backoffMs ?? 500;
	const maxBackoffMs = options.maxBackoffMs ?? 30_000;
	const maxQueue = Math.max(1, options.maxQueue ?? 100);
	const now = options.now ?? Date.now;
	for (const url of options.urls) {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			throw new WebhookConfigError(`webhook URL is not a URL: ${JSON.stringify(url)}`);
		}
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookConfigError(`webhook URL must be http:// or https:// (got ${redactUrl(url)})`);
	}
	// Our own connection pool, so close() leaves no socket behind.
	const agent = options.fetch ? null : new Agent({connect: {timeout: timeoutMs}});
	const send: FetchLike =
		options.fetch ??
		(async (url, init) => {
			const response = await undiciFetch(url, {...init, dispatcher: agent!});
			return response;
		});
	const lanes: Lane[] = options.urls.map((url) => ({url, queue: [], busy: false}));
	const failures: DeliveryFailure[] = [];
	const waiting = new Set<{timer: NodeJS.Timeout; resolve: () => void}>();
	const idleListeners = new Set<() => void>();
	const controller = new AbortController();
	let delivered = 0;
	let closed = false;
	/** While a flush waits, retries skip their backoff. */
	let hurry = 0;

	const pendingCount = () => lanes.reduce((sum, lane) => sum + lane.queue.length + (lane.busy ? 1 : 0), 0);

	const record = (failure: DeliveryFailure) => {
		failures.push(failure);
		if (failures.length > MAX_FAILURES) failures.shift();
		try {
			options.onFailure?.(failure);
		} catch {
			// A listener's bug must not stop delivery.
		}
	};

	// Backoff waits are unref'd: a pending retry alone must not keep the process alive.
	const sleep = (ms: number) =>
		new Promise<void>((resolve) => {
			if (hurry > 0) return resolve();
			const entry = {timer: setTimeout(() => {
				waiting.delete(entry);
				resolve();
			}, ms), resolve};
			entry.timer.unref?.();
			waiting.add(entry);
		});

	/** One attempt; returns null on success, else why, and whether a retry can help. */
	const attempt = async (url: string, body: string): Promise<{message: string; retry: boolean} | null> => {
		const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)]);
		try {
			const response = await send(url, {method: 'POST', headers: {'content-type': 'application/json', 'user-agent': 'canary-console'}, body, signal});
			// Read the body so the connection goes back to the pool.
			await response.text().catch(() => '');
			if (response.ok) return null;
			const retry = response.status >= 500 || response.status === 429 || response.status === 408;
			return {message: `HTTP ${response.status}`, retry};
		} catch (error) {
			const err = error as Error & {cause?: {code?: string; message?: string}};
			const detail = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
			return {message: detail, retry: true};
		}
	};

	const deliver = async (lane: Lane, event: NotifyEvent): Promise<void> => {
		const body = eventBody(event, format);
		let last: {message: string; retry: boolean} | null = null;
		let attempts = 0;
		for (let i = 0; i <= retries && !closed; i++) {
			if (i > 0) await sleep(backoffDelay(i - 1, {baseMs: backoffMs, maxMs: maxBackoffMs}));
			if (closed) return;
			attempts++;
			last = await attempt(lane.url, body);
			if (!last) {
				delivered++;
				return;
			}
			if (!last.retry) break;
		}
		if (closed || !last) return;
		record({at: now(), url: redactUrl(lane.url), event: event.type, attempts, message: `${event.type} not delivered to ${redactUrl(lane.url)} after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${last.message}`});
	};

	const pump = async (lane: Lane): Promise<void> => {
		if (lane.busy) return;
		lane.busy = true;
		try {
			while (!closed && lane.queue.length > 0) await deliver(lane, lane.queue.shift()!);
		} finally {
			lane.busy = false;
			if (pendingCount() === 0) for (const listener of idleListeners) listener();
		}
	};

	return {
		notify(event) {
			if (closed) return;
			const stamped = {...event, at: event.at ?? now()};
			for (const lane of lanes) {
				if (lane.queue.length >= maxQueue) {
					const dropped = lane.queue.shift()!;
					record({at: now(), url: redactUrl(lane.url), event: dropped.type, attempts: 0, message: `${dropped.type} dropped: more than ${maxQueue} notifications waiting for ${redactUrl(lane.url)}`});
				}
				lane.queue.push(stamped);
				// On the next turn of the event loop: even the first request's setup stays off the caller's path.
				setImmediate(() => void pump(lane));
			}
		},
		get failures() {
			return failures;
		},
		get delivered() {
			return delivered;
		},
		get pending() {
			return pendingCount();
		},
		flush(flushTimeoutMs = 10_000) {
			if (pendingCount() === 0) return Promise.resolve(true);
			return new Promise<boolean>((resolve) => {
				let finished = false;
				const done = (ok: boolean) => {
					if (finished) return;
					finished = true;
					hurry--;
					clearTimeout(timer);
					idleListeners.delete(onIdle);
					resolve(ok);
				};
				const onIdle = () => done(true);
				const timer = setTimeout(() => done(pendingCount() === 0), flushTimeoutMs);
				idleListeners.add(onIdle);
				hurry++;
				// Skip the backoff waits: flushing means "try now", e.g. before the process exits.
				for (const entry of waiting) {
					clearTimeout(entry.timer);
					waiting.delete(entry);
					entry.resolve();
				}
			});
		},
		async close() {
			closed = true;
			controller.abort();
			for (const lane of lanes) lane.queue.length = 0;
			for (const entry of waiting) {
				clearTimeout(entry.timer);
				entry.resolve();
			}
			waiting.clear();
			for (const listener of idleListeners) listener();
			await agent?.close().catch(() => {});
		},
	};
}
