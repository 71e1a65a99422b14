// Figures over a window from two scrapes of /metrics: counter deltas that survive restarts,
// quantiles from histogram bucket deltas (as Prometheus' histogram_quantile over a rate()).

import type {Quantile, WindowFigures} from './figures.ts';
import type {ParsedPage} from './prometheus.ts';
import {pickLabel, type MetricProfile} from './profiles.ts';
import {type Bucket, findSamples, histogramSeries, seriesKey} from './series.ts';

/**
 * Increase of a counter between two readings. A value that went down means the process
 * restarted and counted again from 0, so the new value is the increase: never negative.
 * A series absent from the older page started inside the window.
 */
export function counterDelta(older: number | undefined, newer: number): {delta: number; reset: boolean} {
	if (!Number.isFinite(newer) || newer < 0) return {delta: 0, reset: false};
	if (older === undefined || !Number.isFinite(older)) return {delta: newer, reset: false};
	if (newer < older) return {delta: newer, reset: true};
	return {delta: newer - older, reset: false};
}

/**
 * The q-quantile from per-bucket deltas of a cumulative histogram. null when no observation
 * fell in the window (never 0). A rank in +Inf answers the highest finite bound, atLeast.
 */
export function histogramQuantile(q: number, deltas: readonly Bucket[]): Quantile | null {
	// Latencies are never negative: a bucket bound below 0 is garbage, not data.
	const sorted = [...deltas].filter((b) => b.le >= 0).sort((a, b) => a.le - b.le);
	if (sorted.length === 0 || !(q >= 0 && q <= 1)) return null;
	// Scrapes are not atomic: force the cumulative counts non-decreasing.
	let running = 0;
	const buckets = sorted.map((b) => {
		running = Math.max(running, Number.isFinite(b.count) ? b.count : 0);
		return {le: b.le, count: running};
	});
	const total = buckets[buckets.length - 1].count;
	if (total <= 0) return null;
	const rank = q * total;
	let lower = 0;
	let prevCount = 0;
	for (const bucket of buckets) {
		if (bucket.count >= rank && bucket.count > 0) {
			if (bucket.le === Number.POSITIVE_INFINITY) {
				const finite = buckets.filter((b) => Number.isFinite(b.le));
				if (finite.length === 0) return null;
				return {seconds: finite[finite.length - 1].le, atLeast: true};
			}
			const span = bucket.count - prevCount;
			// Divide first: huge counts must not overflow the product.
			const seconds = span > 0 ? lower + (bucket.le - lower) * ((rank - prevCount) / span) : bucket.le;
			return {seconds, atLeast: false};
		}
		lower = bucket.le;
		prevCount = bucket.count;
	}
	return null;
}

function excluded(labels: Record<string, string>, endpointLabels: readonly string[], profile: MetricProfile): boolean {
	const endpoint = pickLabel(labels, endpointLabels);
	return endpoint !== undefined && profile.excludedEndpoints.includes(endpoint);
}

/** The `_created` values of counter `name` (`foo_total` -> `foo_created`), by label set. */
function createdOf(page: ParsedPage, name: string): Map<string, number> {
	const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
	return new Map(findSamples(page, `${base}_created`).map((s) => [seriesKey(s.labels), s.value] as const));
}

/** A counter or bucket value as a count: NaN, infinities and negatives from a broken page count as 0. */
const asCount = (value: number): number => (Number.isFinite(value) && value >= 0 ? value : 0);

/** Per-series deltas of counter `name` between two pages, with reset detection. */
export function counterDeltas(
	older: ParsedPage,
	newer: ParsedPage,
	name: string,
): {series: Array<{labels: Record<string, string>; delta: number}>; reset: boolean} {
	const before = new Map(findSamples(older, name).map((s) => [seriesKey(s.labels), s] as const));
	const [createdOld, createdNew] = [createdOf(older, name), createdOf(newer, name)];
	let reset = false;
	const series = findSamples(newer, name).map((s) => {
		const key = seriesKey(s.labels);
		const old = before.get(key);
		let result = counterDelta(old === undefined ? undefined : asCount(old.value), asCount(s.value));
		// A new _created timestamp means a restart even when the count already climbed past the old one.
		const createdBefore = createdOld.get(key);
		const createdNow = createdNew.get(key);
		if (old && createdBefore !== undefined && createdNow !== undefined && createdBefore !== createdNow) {
			result = {delta: asCount(s.value), reset: true};
		}
		reset ||= result.reset;
		return {labels: s.labels, delta: result.delta};
	});
	return {series, reset};
}

/** Cumulative count of a bucket list at bound `le` (for summing series with different layouts). */
function countAt(buckets: readonly Bucket[], le: number): number {
	let count = 0;
	for (const b of buckets) if (b.le <= le) count = Math.max(count, asCount(b.count));
	return count;
}

/** Bucket deltas of histogram `base`, summed over label sets that `keep` accepts. */
export function histogramDeltas(
	older: ParsedPage,
	newer: ParsedPage,
	base: string,
	keep: (labels: Record<string, string>) => boolean = () => true,
): {buckets: Bucket[]; reset: boolean} {
	const before = new Map(histogramSeries(older, base).map((h) => [seriesKey(h.labels), h] as const));
	const sums = new Map<number, number>();
	const perSeries: Bucket[][] = [];
	let reset = false;
	for (const now of histogramSeries(newer, base)) {
		if (!keep(now.labels)) continue;
		const old = before.get(seriesKey(now.labels));
		// One bucket going down (or a new _created) restarts the whole series: use its new values.
		const restarted =
			old !== undefined &&
			((old.created !== null && now.created !== null && old.created !== now.created) ||
				now.buckets.some((b) => b.count < countAt(old.buckets, b.le)));
		reset ||= restarted;
		const deltas = now.buckets.map((b) => ({
			le: b.le,
			count: Math.max(0, old && !restarted ? asCount(b.count) - countAt(old.buckets, b.le) : asCount(b.count)),
		}));
		perSeries.push(deltas);
		for (const b of deltas) sums.set(b.le, 0);
	}
	for (const le of sums.keys()) sums.set(le, perSeries.reduce((total, deltas) => total + countAt(deltas, le), 0));
	const buckets = [...sums].map(([le, count]) => ({le, count})).sort((a, b) => a.le - b.le);
	return {buckets, reset};
}

/** The sample names summarizeWindow reads with `profile`: a page kept for a window needs no others. */
export function windowSampleNames(profile: MetricProfile): Set<string> {
	const counter = (name: string) => [name, `${name.endsWith('_total') ? name.slice(0, -'_total'.length) : name}_created`];
	const duration = profile.duration.metric;
	return new Set([
		...counter(profile.requests.metric),
		...['_bucket', '_count', '_sum', '_created'].map((suffix) => `${duration}${suffix}`),
		...(profile.cacheOps ? counter(profile.cacheOps.metric) : []),
	]);
}

const IS_5XX = /^5(\d\d|xx)$/i;

export function summarizeWindow(older: ParsedPage, newer: ParsedPage, seconds: number, profile: MetricProfile): WindowFigures {
	const req = counterDeltas(older, newer, profile.requests.metric);
	let requests = 0;
	let errors5xx = 0;
	for (const s of req.series) {
		if (excluded(s.labels, profile.requests.endpointLabels, profile)) continue;
		requests += s.delta;
		if (IS_5XX.test(pickLabel(s.labels, profile.requests.statusLabels) ?? '')) errors5xx += s.delta;
	}
	const hist = histogramDeltas(older, newer, profile.duration.metric, (labels) => !excluded(labels, profile.duration.endpointLabels, profile));
	const inf = hist.buckets.find((b) => b.le === Number.POSITIVE_INFINITY);
	let latencyCount = inf ? inf.count : hist.buckets.reduce((max, b) => Math.max(max, b.count), 0);
	// Sums of absurd counters overflow: a figure that is not a finite count is no data.
	if (!Number.isFinite(requests) || !Number.isFinite(errors5xx)) {
		requests = 0;
		errors5xx = 0;
	}
	if (!Number.isFinite(latencyCount)) latencyCount = 0;

	let cacheHitRatio: number | null = null;
	let cacheOps = 0;
	let cacheOpsTotal: number | null = null;
	let cacheReset = false;
	if (profile.cacheOps) {
		const {opLabel, hit, miss, metric} = profile.cacheOps;
		const ops = counterDeltas(older, newer, metric);
		cacheReset = ops.reset;
		const sum = (op: string) => ops.series.filter((s) => s.labels[opLabel] === op).reduce((t, s) => t + s.delta, 0);
		const hits = sum(hit);
		const total = hits + sum(miss);
		cacheHitRatio = total > 0 && Number.isFinite(total) ? hits / total : null;
		cacheOps = Number.isFinite(total) ? total : 0;
		// The counters' own values count from the engine's start: how warm its cache can be.
		const lifetime = findSamples(newer, metric)
			.filter((x) => x.labels[opLabel] === hit || x.labels[opLabel] === miss)
			.reduce((t, x) => t + asCount(x.value), 0);
		cacheOpsTotal = Number.isFinite(lifetime) ? lifetime : null;
	}
	return {
		windowSec: seconds,
		requests,
		rps: seconds > 0 && Number.isFinite(requests / seconds) ? requests / seconds : null,
		errors5xx,
		ratio5xx: requests > 0 ? errors5xx / requests : null,
		latencyCount,
		p50: histogramQuantile(0.5, hist.buckets),
		p95: histogramQuantile(0.95, hist.buckets),
		p99: histogramQuantile(0.99, hist.buckets),
		cacheHitRatio,
		cacheOps,
		cacheOpsTotal,
		reset: req.reset || hist.reset || cacheReset,
	};
}

/** The first sample of gauge `name` matching `labels`; null when absent or NaN. */
export function readGauge(page: ParsedPage, name: string, labels: Record<string, string> = {}): number | null {
	const sample = findSamples(page, name, labels)[0];
	return sample && !Number.isNaN(sample.value) ? sample.value : null;
}

/** The version label of the profile's info metric, or null. */
export function readVersion(page: ParsedPage, profile: MetricProfile): string | null {
	if (!profile.info) return null;
	for (const metric of profile.info.metrics) {
		const version = findSamples(page, metric).find((s) => s.labels[profile.info!.versionLabel])?.labels[profile.info.versionLabel];
		if (version) return version;
	}
	return null;
}
