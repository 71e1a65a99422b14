// What an engine says it served, from its own /metrics: on the guide's nginx config no answer
// carries a header naming the engine, so tests count where the deployment itself does.
import {parsePrometheus} from '../../source/domain/prometheus.ts';

/** /v1/positions requests the engine at `url` has answered since it started (its counter). */
export async function positionsServed(url: string): Promise<number> {
	const response = await fetch(`${url}/metrics`, {signal: AbortSignal.timeout(5000)});
	const page = parsePrometheus(await response.text());
	return page.samples
		.filter((s) => s.name === 'involution_requests_total' && s.labels.endpoint === '/v1/positions')
		.reduce((sum, s) => sum + s.value, 0);
}
