// What of a /metrics page is kept for the analysis window. A poller keeps a scrape per poll
// over the window (31 at 60 s every 2 s), and with replicas one per replica plus their merge:
// a parsed page holds every sample of the engine (runtime gauges, GC histograms) and strings
// cut from the answer's text, which keep the whole answer alive. The window figures read a
// dozen names (windowSampleNames), so only those are kept, with names and labels copied flat
// and shared with the series' previous scrape: a kept scrape costs its values and little more.

import type {MetricProfile} from './profiles.ts';
import type {ParsedPage, Sample} from './prometheus.ts';
import {seriesKey} from './series.ts';
import {windowSampleNames} from './window.ts';

export class WindowPages {
	private readonly names: Set<string>;
	/** The series of the last kept page, by name and labels: their objects are reused while they last. */
	private known = new Map<string, Pick<Sample, 'name' | 'labels'>>();

	constructor(profile: MetricProfile) {
		this.names = windowSampleNames(profile);
	}

	/** The samples of `page` the window figures read, sharing nothing with the page's text. */
	keep(page: ParsedPage): ParsedPage {
		const known = new Map<string, Pick<Sample, 'name' | 'labels'>>();
		const samples: Sample[] = [];
		for (const sample of page.samples) {
			if (!this.names.has(sample.name)) continue;
			const key = `${sample.name} ${seriesKey(sample.labels)}`;
			const series = this.known.get(key) ?? known.get(key) ?? {name: flat(sample.name), labels: flatLabels(sample.labels)};
			known.set(key, series);
			samples.push({name: series.name, labels: series.labels, value: sample.value});
		}
		// Only the series of this page: a page that renames its labels every time grows nothing.
		this.known = known;
		return {samples, families: new Map(), errors: []};
	}
}

/** A copy of `text` that does not keep the string it was cut from alive. */
function flat(text: string): string {
	return JSON.parse(JSON.stringify(text)) as string;
}

function flatLabels(labels: Record<string, string>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(labels)) {
		// A label called __proto__ stays a label (as the parser keeps it).
		if (name === '__proto__') Object.defineProperty(out, name, {value: flat(value), enumerable: true, writable: true, configurable: true});
		else out[flat(name)] = flat(value);
	}
	return out;
}
