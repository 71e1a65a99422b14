// The tests' one way to wait: poll a condition until it holds, never sleep a fixed time.

export interface WaitOptions {
	/** Give up after this long; default 8000 ms. */
	timeoutMs?: number;
	/** Poll interval; default 25 ms. */
	everyMs?: number;
	/** More to say when it times out: the state the condition looked at. */
	detail?: () => string;
}

type Maybe<T> = T | undefined | null | false;

/**
 * Polls `check` until it returns a truthy value and returns that value. A check that throws
 * counts as not yet; at the deadline it throws, naming `what`, the last error and the detail.
 */
export async function waitUntil<T>(what: string, check: () => Maybe<T> | Promise<Maybe<T>>, options: WaitOptions | number = {}): Promise<T> {
	const {timeoutMs = 8000, everyMs = 25, detail} = typeof options === 'number' ? {timeoutMs: options} : options;
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline) {
			const extra = [last ? (last as Error).message : '', detail?.() ?? ''].filter(Boolean).join('; ');
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra ? `: ${extra}` : ''}`);
		}
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}

/** Reads until `check` accepts the value or the deadline; returns the last value read, for the assertion to show. */
export async function settle<T>(read: () => T, check: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
	let value = read();
	await waitUntil('', () => check((value = read())), {timeoutMs}).catch(() => {});
	return value;
}
