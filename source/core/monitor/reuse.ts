// Snapshots are rebuilt several times a second; the screen skips a panel whose props are the
// same objects as last time. Reuse hands back the previous object while its fields are equal.

export class Reuse {
	private readonly previous = new Map<string, object>();

	/** The previous object under this name when every field is the same (shallow), else the new one. */
	get<T extends object>(name: string, next: T): T {
		const previous = this.previous.get(name) as T | undefined;
		if (previous && shallowEqual(previous, next)) return previous;
		this.previous.set(name, next);
		return next;
	}
}

const isSplit = (value: unknown): value is {stable: unknown; canary: unknown} =>
	typeof value === 'object' && value !== null && 'stable' in value && 'canary' in value && Object.keys(value).length === 2;

export function shallowEqual(a: object, b: object): boolean {
	const keys = Object.keys(a);
	if (keys.length !== Object.keys(b).length) return false;
	return keys.every((key) => {
		const x = (a as Record<string, unknown>)[key];
		const y = (b as Record<string, unknown>)[key];
		// Split-like values ({stable, canary}) are rebuilt every time: compare them by content.
		if (isSplit(x) && isSplit(y)) return x.stable === y.stable && x.canary === y.canary;
		return Object.is(x, y);
	});
}
