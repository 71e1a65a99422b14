// Reading series out of a parsed page: by name and labels, and histograms and summaries
// grouped per label set. Lookups go by sample name, so a page without TYPE lines still works.

import type {ParsedPage, Sample} from './prometheus.ts';

/** A stable identity for a label set (sorted), optionally without one label such as `le`. */
export function seriesKey(labels: Record<string, string>, omit?: string): string {
	const names = Object.keys(labels)
		.filter((name) => name !== omit)
		.sort();
	return JSON.stringify(names.map((name) => [name, labels[name]]));
}

// A page is read many times (each window's figures look up a dozen names, every poll): its
// samples are grouped by name once, on first lookup, instead of scanned for each name.
const byName = new WeakMap<readonly Sample[], Map<string, Sample[]>>();
const NONE: Sample[] = [];

/** The samples called `name`, in page order. */
export function samplesNamed(page: ParsedPage, name: string): Sample[] {
	let index = byName.get(page.samples);
	if (!index) {
		index = new Map();
		for (const s of page.samples) {
			const list = index.get(s.name);
			if (list) list.push(s);
			else index.set(s.name, [s]);
		}
		byName.set(page.samples, index);
	}
	return index.get(name) ?? NONE;
}

/** Samples called `name` whose labels include every pair in `match`. */
export function findSamples(page: ParsedPage, name: string, match: Record<string, string> = {}): Sample[] {
	const wanted = Object.entries(match);
	const named = samplesNamed(page, name);
	return wanted.length === 0 ? named.slice() : named.filter((s) => wanted.every(([k, v]) => s.labels[k] === v));
}

export interface Bucket {
	/** Upper bound in the metric's unit; +Infinity for the last bucket. */
	le: number;
	/** Cumulative count. */
	count: number;
}

export interface HistogramSeries {
	/** The series' labels without `le`. */
	labels: Record<string, string>;
	/** Sorted by numeric bound (never by key order: "1.0" sorts before "0.5" as text). */
	buckets: Bucket[];
	count: number | null;
	sum: number | null;
	/** The `_created` timestamp when the client exposes one: a change means the series restarted. */
	created: number | null;
}

export interface SummarySeries {
	labels: Record<string, string>;
	quantiles: Array<{q: number; value: number}>;
	count: number | null;
	sum: number | null;
}

function withoutLabel(labels: Record<string, string>, omit: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(labels)) if (k !== omit) out[k] = v;
	return out;
}

function valueByKey(page: ParsedPage, name: string): Map<string, number> {
	const out = new Map<string, number>();
	for (const s of samplesNamed(page, name)) out.set(seriesKey(s.labels), s.value);
	return out;
}

/** Every label set of histogram `base` (the name without `_bucket`), buckets sorted by bound. */
export function histogramSeries(page: ParsedPage, base: string): HistogramSeries[] {
	const groups = new Map<string, HistogramSeries>();
	for (const s of samplesNamed(page, `${base}_bucket`)) {
		const le = Number.parseFloat(s.labels.le ?? '');
		// parseFloat reads "+Inf" as NaN; the format spells the last bound that way.
		const bound = /^\+?inf$/i.test(s.labels.le ?? '') ? Number.POSITIVE_INFINITY : le;
		if (Number.isNaN(bound)) continue;
		const key = seriesKey(s.labels, 'le');
		let group = groups.get(key);
		if (!group) {
			group = {labels: withoutLabel(s.labels, 'le'), buckets: [], count: null, sum: null, created: null};
			groups.set(key, group);
		}
		group.buckets.push({le: bound, count: s.value});
	}
	const counts = valueByKey(page, `${base}_count`);
	const sums = valueByKey(page, `${base}_sum`);
	const created = valueByKey(page, `${base}_created`);
	for (const [key, group] of groups) {
		group.buckets.sort((a, b) => a.le - b.le);
		group.count = counts.get(key) ?? null;
		group.sum = sums.get(key) ?? null;
		group.created = created.get(key) ?? null;
	}
	return [...groups.values()];
}

/** Every label set of summary `base`, quantiles sorted by q. */
export function summarySeries(page: ParsedPage, base: string): SummarySeries[] {
	const groups = new Map<string, SummarySeries>();
	for (const s of samplesNamed(page, base)) {
		if (s.labels.quantile === undefined) continue;
		const q = Number.parseFloat(s.labels.quantile);
		if (Number.isNaN(q)) continue;
		const key = seriesKey(s.labels, 'quantile');
		let group = groups.get(key);
		if (!group) {
			group = {labels: withoutLabel(s.labels, 'quantile'), quantiles: [], count: null, sum: null};
			groups.set(key, group);
		}
		group.quantiles.push({q, value: s.value});
	}
	const counts = valueByKey(page, `${base}_count`);
	const sums = valueByKey(page, `${base}_sum`);
	for (const [key, group] of groups) {
		group.quantiles.sort((a, b) => a.q - b.q);
		group.count = counts.get(key) ?? null;
		group.sum = sums.get(key) ?? null;
	}
	return [...groups.values()];
}
