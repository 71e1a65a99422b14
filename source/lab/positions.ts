// POST /v1/positions of the lab engine: the real request shape, validated the way the real
// engine answers (422 for a malformed body, 400 for a well-formed but unsupported request),
// and deterministic made-up positions so repeated requests are cacheable and comparable.

export const BODIES = ['Sun', 'Moon', 'Mercury', 'Venus', 'Mars', 'Jupiter', 'Saturn', 'Uranus', 'Neptune', 'Pluto'] as const;

export interface PositionsRequest {
	utc: string;
	system: 'tropical' | 'sidereal';
	bodies: string[];
}

export interface RequestError {
	status: 400 | 422;
	code: string;
	category: string;
	title: string;
	validationErrors?: number;
}

export type Parsed = {ok: true; request: PositionsRequest; key: string} | {ok: false; error: RequestError};

const invalid = (n: number): Parsed => ({
	ok: false,
	error: {status: 422, code: 'INPUT.INVALID', category: 'INPUT', title: 'Invalid input', validationErrors: n},
});

export function parsePositionsRequest(bodyText: string): Parsed {
	let body: unknown;
	try {
		body = JSON.parse(bodyText);
	} catch {
		return invalid(1);
	}
	if (typeof body !== 'object' || body === null) return invalid(1);
	const b = body as Record<string, unknown>;
	let problems = 0;
	const when = b.when as Record<string, unknown> | undefined;
	const utc = typeof when === 'object' && when !== null ? when.utc : undefined;
	const time = typeof utc === 'string' ? Date.parse(utc) : Number.NaN;
	if (Number.isNaN(time)) problems++;
	if (b.system !== 'tropical' && b.system !== 'sidereal') problems++;
	const bodies = b.bodies;
	if (!Array.isArray(bodies) || bodies.length === 0 || bodies.length > 20 || !bodies.every((x) => typeof x === 'string')) problems++;
	if (problems > 0) return invalid(problems);
	const names = bodies as string[];
	if (names.some((name) => !(BODIES as readonly string[]).includes(name))) {
		return {ok: false, error: {status: 400, code: 'BODIES.UNSUPPORTED', category: 'BODIES', title: 'Unsupported body'}};
	}
	const year = new Date(time).getUTCFullYear();
	if (year < 1550 || year > 2650) {
		return {ok: false, error: {status: 400, code: 'RANGE.EPHEMERIS_OUTSIDE', category: 'RANGE', title: 'Date outside ephemeris range'}};
	}
	const request: PositionsRequest = {utc: new Date(time).toISOString(), system: b.system as PositionsRequest['system'], bodies: names};
	return {ok: true, request, key: `${request.system}|${request.utc}|${[...names].sort().join(',')}`};
}

/** FNV-1a: a stable hash so the same request always gives the same made-up position. */
function hash(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

export function computePositions(request: PositionsRequest, version: string): unknown {
	const days = Date.parse(request.utc) / 86_400_000;
	const ayanamsha = request.system === 'sidereal' ? 24.1 : 0;
	const positions = request.bodies.map((name) => {
		const h = hash(name);
		// A body "moves" at its own steady rate from a fixed epoch: deterministic, plausible.
		const rate = 0.05 + (h % 1000) / 77;
		const longitude = (((h % 360) + rate * days - ayanamsha) % 360 + 360) % 360;
		return {
			name,
			longitude: Math.round(longitude * 1e6) / 1e6,
			latitude: Math.round((((h >>> 8) % 1000) / 100 - 5) * 1e6) / 1e6,
			distance_au: Math.round((0.5 + ((h >>> 4) % 3000) / 100) * 1e6) / 1e6,
			speed: Math.round(rate * 1e6) / 1e6,
		};
	});
	return {system: request.system, ephemeris: 'de440', utc: request.utc, positions, meta: {version}};
}

/** The answer with every longitude moved by `degrees` (the longitudeShiftDeg fault); the cached value is left alone. */
export function shiftLongitudes(answer: unknown, degrees: number): unknown {
	const value = answer as {positions?: Array<{longitude: number}>};
	if (!degrees || !Array.isArray(value.positions)) return answer;
	const positions = value.positions.map((p) => ({...p, longitude: Math.round(((((p.longitude + degrees) % 360) + 360) % 360) * 1e6) / 1e6}));
	return {...value, positions};
}
