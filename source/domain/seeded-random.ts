// Repeatable randomness for the lab: one seed for a run, a stream per process derived from it,
// so a run that showed something odd can be replayed with the same seed.

/** Largest seed accepted: seeds are 32-bit unsigned integers. */
export const MAX_SEED = 0xffff_ffff;

/** mulberry32: a small, fast 32-bit generator with a full 2^32 period; returns [0, 1). */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/**
 * A child seed for one named part of a run (e.g. "engine-canary#2", "load"): FNV-1a over the
 * name, mixed with the run's seed, so parts draw independent streams from one seed.
 */
export function deriveSeed(seed: number, name: string): number {
	let h = 0x811c9dc5 ^ (seed >>> 0);
	for (let i = 0; i < name.length; i++) {
		h ^= name.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	// One round of mulberry32's output mix spreads nearby seeds apart.
	h = Math.imul(h ^ (h >>> 15), h | 1);
	h ^= h + Math.imul(h ^ (h >>> 7), h | 61);
	return (h ^ (h >>> 14)) >>> 0;
}

/** Parses a seed from a flag or an environment variable; null when absent or not a valid seed. */
export function parseSeed(text: string | undefined): number | null {
	if (text === undefined || !/^\d{1,10}$/.test(text.trim())) return null;
	const n = Number(text.trim());
	return n <= MAX_SEED ? n : null;
}
