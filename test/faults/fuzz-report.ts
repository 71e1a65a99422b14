// Counts of generated inputs per parser: printed as a test diagnostic and, when the fault
// runner sets FUZZ_SUMMARY, appended to that file so the runner can print the totals.

import {appendFileSync} from 'node:fs';

/** Runs per property. FUZZ_SCALE (e.g. 0.1) shortens a local run; CI runs the full count. */
export function runs(full: number): number {
	const scale = Number(process.env.FUZZ_SCALE ?? '1');
	return Math.max(1, Math.round(full * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

interface Diagnostics {
	diagnostic(message: string): void;
}

export function recordFuzz(t: Diagnostics, parser: string, inputs: number): void {
	t.diagnostic(`fuzz-inputs ${parser} ${inputs}`);
	const file = process.env.FUZZ_SUMMARY;
	if (file) appendFileSync(file, `${JSON.stringify({parser, inputs})}\n`);
}
