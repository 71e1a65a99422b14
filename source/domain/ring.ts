// A fixed-capacity ring buffer: the log view's memory stays bounded under any flood, and
// `dropped` says honestly how much was evicted. Push is O(1); nothing is ever shifted.

export const DEFAULT_RING_CAPACITY = 20_000;

export class Ring<T> {
	private buffer: (T | undefined)[];
	private head = 0; // index of the oldest item
	private count = 0;
	/** Items evicted because the ring was full. clear() does not count as dropping. */
	dropped = 0;
	/** Items ever pushed. */
	pushed = 0;

	constructor(readonly capacity: number = DEFAULT_RING_CAPACITY) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
		this.buffer = new Array<T | undefined>(capacity);
	}

	get length(): number {
		return this.count;
	}

	push(item: T): void {
		this.pushed++;
		if (this.count < this.capacity) {
			this.buffer[(this.head + this.count) % this.capacity] = item;
			this.count++;
			return;
		}
		this.buffer[this.head] = item;
		this.head = (this.head + 1) % this.capacity;
		this.dropped++;
	}

	/** Replaces the newest item (pushes when empty): a later reading of the same moment. */
	replaceNewest(item: T): void {
		if (this.count === 0) return this.push(item);
		this.buffer[(this.head + this.count - 1) % this.capacity] = item;
	}

	pushMany(items: readonly T[]): void {
		// A batch larger than the ring: only its tail can survive, skip writing the rest.
		const skip = Math.max(0, items.length - this.capacity);
		if (skip > 0) {
			this.dropped += this.count + skip;
			this.pushed += skip;
			this.clearSlots();
		}
		for (let i = skip; i < items.length; i++) this.push(items[i]);
	}

	/** The i-th oldest item (0 = oldest); negative counts from the newest. */
	at(index: number): T | undefined {
		const i = index < 0 ? this.count + index : index;
		if (i < 0 || i >= this.count) return undefined;
		return this.buffer[(this.head + i) % this.capacity];
	}

	/** Items from..to (exclusive) in age order, with Array.prototype.slice semantics. */
	slice(from = 0, to = this.count): T[] {
		const start = clampIndex(from, this.count);
		const end = clampIndex(to, this.count);
		const out: T[] = [];
		for (let i = start; i < end; i++) out.push(this.buffer[(this.head + i) % this.capacity] as T);
		return out;
	}

	toArray(): T[] {
		return this.slice(0, this.count);
	}

	clear(): void {
		this.clearSlots();
	}

	private clearSlots(): void {
		// Drop references so evicted items can be collected.
		this.buffer = new Array<T | undefined>(this.capacity);
		this.head = 0;
		this.count = 0;
	}
}

function clampIndex(index: number, length: number): number {
	if (index < 0) return Math.max(0, length + index);
	return Math.min(index, length);
}
