// Publishes the Monitor's snapshot to its listeners: at most maxFps times a second, and a
// change may ask to wait longer (log lines alone redraw less often than a poll or a key).

export class Publisher<T> {
	private readonly listeners = new Set<() => void>();
	private timer: NodeJS.Timeout | undefined;
	private last = 0;
	private due = 0;
	private value: T;

	constructor(
		private readonly build: () => T,
		private readonly maxFps: number,
	) {
		this.value = build();
	}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	get = (): T => this.value;

	/** Builds a fresh value now, bypassing the frame cap (headless commands). */
	now(): T {
		this.value = this.build();
		return this.value;
	}

	/** Schedules a publish: at most maxFps a second, and no sooner than minInterval after the last. */
	changed(minInterval = 0): void {
		const wait = Math.max(0, this.last + Math.max(1000 / this.maxFps, minInterval) - Date.now());
		const due = Date.now() + wait;
		if (this.timer) {
			// A change that is due sooner (a poll, a key) pulls a slower one (log lines) forward.
			if (due >= this.due) return;
			clearTimeout(this.timer);
		}
		this.due = due;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.last = Date.now();
			this.value = this.build();
			for (const listener of this.listeners) listener();
		}, wait);
	}

	stop(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
	}
}
