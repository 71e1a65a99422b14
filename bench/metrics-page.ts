// A Prometheus text page of exactly `series` series, shaped like the engine's (labelled
// counters and histograms with float values, as the Python client writes them).

export function metricsPage(series: number): string {
	const out: string[] = [];
	let count = 0;
	const buckets = ['0.01', '0.05', '0.1', '0.2', '0.5', '1.0', '2.0', '5.0', '+Inf'];
	out.push('# HELP involution_request_duration_seconds Request latency', '# TYPE involution_request_duration_seconds histogram');
	// Histograms take 11 series per endpoint (9 buckets, _sum, _count); counters fill the rest.
	const endpoints = Math.floor((series * 0.8) / 11);
	for (let e = 0; e < endpoints; e++) {
		const labels = `method="POST",endpoint="/v1/endpoint_${e}"`;
		let cumulative = 0;
		for (const le of buckets) {
			cumulative += (e * 7 + le.length) % 13;
			out.push(`involution_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}.0`);
		}
		out.push(`involution_request_duration_seconds_sum{${labels}} ${(cumulative * 0.037).toFixed(6)}`);
		out.push(`involution_request_duration_seconds_count{${labels}} ${cumulative}.0`);
		count += buckets.length + 2;
	}
	out.push('# HELP involution_requests_total Requests', '# TYPE involution_requests_total counter');
	for (let i = 0; count < series; i++, count++) {
		out.push(`involution_requests_total{method="GET",endpoint="/v1/endpoint_${i}",status_code="${200 + (i % 4)}"} ${i * 3}.0`);
	}
	return `${out.join('\n')}\n`;
}

/** Series lines on a page (not comments, not blank). */
export function countSeries(page: string): number {
	let n = 0;
	for (const line of page.split('\n')) if (line !== '' && !line.startsWith('#')) n++;
	return n;
}
