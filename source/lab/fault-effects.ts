// The faults that act on their own clock rather than per request: held memory, a crash
// timer (one-shot or a loop), and background log lines at a precise rate.

import {backgroundLine, record, traceback} from './engine-output.ts';
import {MEMORY_GROWTH_CAP_MB, type Faults} from './faults.ts';

export interface FaultEffects {
	/** Applies the current faults; `changed` is the patch that produced them. */
	apply(faults: Faults, changed: Partial<Faults>): void;
	/** Megabytes currently held by the memory-growth fault. */
	heldMb(): number;
	stop(): void;
}

const MB = 1024 * 1024;

export interface FaultEffectsOptions {
	log: (line: string) => void;
	exit: (code: number) => void;
	random: () => number;
	/** Held memory grows up to this (the engine's memory limit, where the supervisor kills it). */
	memoryCapMb?: number;
}

export function createFaultEffects(options: FaultEffectsOptions): FaultEffects {
	const cap = options.memoryCapMb ?? MEMORY_GROWTH_CAP_MB;
	const held: Buffer[] = [];
	let growthPerMin = 0;
	let growthCarry = 0;
	let growthTimer: NodeJS.Timeout | null = null;
	let crashTimer: NodeJS.Timeout | null = null;
	let loopTimer: NodeJS.Timeout | null = null;
	let logTimer: NodeJS.Timeout | null = null;

	function grow(): void {
		growthCarry += growthPerMin / 60;
		while (growthCarry >= 1 && held.length < cap) {
			// fill() touches every page, so the memory is resident (RSS), not just reserved.
			held.push(Buffer.allocUnsafe(MB).fill(0x5a));
			growthCarry -= 1;
		}
		if (held.length >= cap) growthCarry = 0;
	}

	function crash(code: number): void {
		const tb = traceback(Math.floor(options.random() * 3));
		options.log(record('ERROR', `Worker process died: ${tb.error}`, {error_code: 'INTERNAL.CRASH', exception: tb.text}));
		// Give the line a moment to reach the pipe before the process goes.
		setTimeout(() => options.exit(code), 50);
	}

	function startLogRate(rate: number): void {
		if (logTimer) clearInterval(logTimer);
		logTimer = null;
		if (rate <= 0) return;
		const start = Date.now();
		let emitted = 0;
		// Lines due = rate x elapsed, so the rate stays exact however the timer wobbles; after a
		// stall longer than a second we skip ahead instead of bursting to catch up.
		logTimer = setInterval(() => {
			const now = Date.now();
			const due = Math.floor((rate * (now - start)) / 1000);
			if (due - emitted > rate) emitted = due - Math.ceil(rate);
			for (; emitted < due; emitted++) options.log(backgroundLine(emitted, now));
		}, 10);
		logTimer.unref();
	}

	return {
		apply(faults, changed) {
			if ('memoryGrowthMbPerMin' in changed) {
				growthPerMin = faults.memoryGrowthMbPerMin;
				if (growthPerMin > 0 && !growthTimer) {
					growthTimer = setInterval(grow, 1000);
					growthTimer.unref();
				}
				if (growthPerMin === 0) {
					if (growthTimer) clearInterval(growthTimer);
					growthTimer = null;
				}
			}
			if ('crashAfterMs' in changed) {
				if (crashTimer) clearTimeout(crashTimer);
				crashTimer = null;
				if (faults.crashAfterMs !== null) crashTimer = setTimeout(() => crash(1), faults.crashAfterMs);
			}
			if ('crashLoop' in changed) {
				if (loopTimer) clearTimeout(loopTimer);
				loopTimer = null;
				// The engine applies its faults as it starts, so each restart arms the timer again.
				const loop = faults.crashLoop;
				if (loop !== null) loopTimer = setTimeout(() => crash(loop.exitCode), loop.afterMs);
			}
			if ('logRate' in changed) startLogRate(faults.logRate);
		},
		heldMb: () => held.length,
		stop() {
			for (const timer of [growthTimer, logTimer]) if (timer) clearInterval(timer);
			for (const timer of [crashTimer, loopTimer]) if (timer) clearTimeout(timer);
			growthTimer = logTimer = crashTimer = loopTimer = null;
			held.length = 0;
		},
	};
}
