// Node flags the console runs with (npm run demo / start, the bin's shebang, the benchmark).
// An 8 MB young generation instead of 16 MB: the console allocates in small, short-lived
// pieces, and the smaller nursery keeps its memory lower. Not smaller: with 2 MB a quiet
// console (10 lines/s, logs view on Docker) ran a scavenge every 0.8 s, 258 ms of pauses in
// 38 s; with 8 MB one every 3 s, a fifth of the pauses, for about 10 MB more (measured).
// The old generation grows to 1.5 times what survived the last full collection, not V8's
// own factor (up to 4): under 10,000 lines/s the log rings' evicted events are old garbage
// at about 4 MB/s, and V8's factor let the heap swing between 50 and 120 MB.
// WebAssembly (Ink's layout engine, the HTTP parser) stays in its baseline code: optimizing
// its large functions in the background took about 50 MB for a moment a second after start,
// which was the console's peak memory (quiet Docker logs view: peak RSS 142-148 -> 98 MB,
// CPU alike; measured).
// Functions are optimized after four times V8's own interrupt budget (270336 instead of 67584
// bytes of bytecode run): a quiet console calls most of its code a few times a second, and
// V8 spent its first minute compiling lukewarm functions with TurboFan on its worker threads
// (110 compiles, 0.4 s of CPU in 45 s) that never earned it back. Hot paths under load still
// reach TurboFan within a fraction of a second. Measured on Docker (bench/profile.ts, 45 s):
// quiet overview 2.49-2.73 -> 2.06-2.31 % of a core, peak RSS a few MB lower; under load no
// worse (logs view, 10,000 lines/s 21.9 -> 18.9 %, 1,000 lines/s 8.2 -> 8.0 %, one run each).
export const NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50', '--liftoff-only', '--interrupt-budget=270336'];
