// Publishes the Monitor's snapshot to its listeners: at most maxFps times a second, and a
// change may ask to wait longer (log lines alone redraw less often than a poll or a key).
// A publish whose only news is log lines may be drawn by a log-frame handler instead (the
// screen replaces its log rows itself): then no value is built and no listener hears of it.

export class Publisher<T> {
	private readonly listeners = new Set<() => void>();
	private timer: NodeJS.Timeout | undefined;
	private last = 0;
	private due = 0;
	/** The scheduled publish brings log lines only. */
	private logOnly = false;
	private logFrame: (() => boolean) | null = null;
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

	/**
	 * Draws log-only publishes instead of them: returns true when it drew the frame. One at a
	 * time; the returned function takes it away.
	 */
	onLogFrame(handler: () => boolean): () => void {
		this.logFrame = handler;
		return () => {
			if (this.logFrame === handler) this.logFrame = null;
		};
	}

	/**
	 * Schedules a publish: at most maxFps a second, and no sooner than minInterval after the
	 * last. `logOnly`: the change is new log lines and nothing else.
	 */
	changed(minInterval = 0, logOnly = false): void {
		const wait = Math.max(0, this.last + Math.max(1000 / this.maxFps, minInterval) - Date.now());
		const due = Date.now() + wait;
		// Any other change before the publish makes it a full one.
		this.logOnly = this.timer ? this.logOnly && logOnly : logOnly;
		if (this.timer) {
			// A change that is due sooner (a poll, a key) pulls a slower one (log lines) forward.
			if (due >= this.due) return;
			clearTimeout(this.timer);
		}
		this.due = due;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.last = Date.now();
			if (this.logOnly && this.logFrame?.()) return;
			this.value = this.build();
			for (const listener of this.listeners) listener();
		}, wait);
	}

	stop(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
	}
}
