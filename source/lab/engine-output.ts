// What the lab engine writes: JSON records shaped like the real engine's python-json-logger
// lines, Python 3.11 tracebacks inside "exception", and uvicorn's plain-text stderr lines.

export type Level = 'INFO' | 'WARNING' | 'ERROR';

/** Python's isoformat with microseconds and +00:00, as the real engine writes it. */
export function pythonTimestamp(ms: number): string {
	// Date has milliseconds only; pad with made-up microseconds so the shape matches.
	return `${new Date(ms).toISOString().slice(0, 23)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}+00:00`;
}

export function record(level: Level, message: string, extra: Record<string, unknown> = {}, now = Date.now()): string {
	// The real logger separates with ', ' and ': ' (json.dumps defaults); keep the look.
	const fields = {timestamp: pythonTimestamp(now), level, logger: 'app.main', message, ...extra};
	return (
		'{' +
		Object.entries(fields)
			.filter(([, v]) => v !== undefined)
			.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
			.join(', ') +
		'}'
	);
}

const STARLETTE_FRAMES = [
	['/usr/lib/python3/dist-packages/starlette/middleware/base.py', 84, 'call_next', 'raise app_exc'],
	['/usr/lib/python3/dist-packages/starlette/middleware/exceptions.py', 68, '__call__', 'await self.app(scope, receive, sender)'],
	['/usr/lib/python3/dist-packages/starlette/routing.py', 718, '__call__', 'await route.handle(scope, receive, send)'],
	['/usr/lib/python3/dist-packages/starlette/routing.py', 66, 'app', 'response = await func(request)'],
	['/usr/lib/python3/dist-packages/fastapi/routing.py', 163, 'run_endpoint_function', 'return await dependant.call(**values)'],
] as const;

const FAILURES = [
	{
		frames: [
			['/app/app/api.py', 770, 'positions', 'explode(req.when.utc, names)'],
			['/app/app/api.py', 507, '_interpolate_state', 'return _chebyshev_eval(coeffs, et, radius) + len(body)'],
			['/app/app/api.py', 499, '_chebyshev_eval', 'x = (t - coeffs[0]) / radius'],
		],
		error: 'ZeroDivisionError: float division by zero',
	},
	{
		frames: [
			['/app/app/api.py', 770, 'positions', 'explode(req.when.utc, names)'],
			['/app/app/ephemeris.py', 212, 'segment_for', 'return self._segments[body][index]'],
		],
		error: 'KeyError: 301',
	},
	{
		frames: [
			['/app/app/api.py', 781, 'positions', 'result = await pool.submit(compute, req)'],
			['/app/app/pool.py', 96, 'submit', 'raise PoolTimeout(f"worker did not answer within {timeout}s")'],
		],
		error: 'app.pool.PoolTimeout: worker did not answer within 2.0s',
	},
] as const;

function frame([file, line, fn, code]: readonly [string, number, string, string]): string {
	return `  File "${file}", line ${line}, in ${fn}\n    ${code}\n    ${'^'.repeat(Math.min(code.length, 40))}`;
}

/** A Python-style traceback; `pick` chooses the failure so tests and demos can vary it. */
export function traceback(pick: number): {text: string; error: string} {
	const failure = FAILURES[Math.abs(Math.floor(pick)) % FAILURES.length];
	const lines = [
		'Traceback (most recent call last):',
		frame(['/app/app/api.py', 575, 'observe_requests', 'response = await call_next(request)']),
		...STARLETTE_FRAMES.map(frame),
		...failure.frames.map(frame),
		failure.error,
	];
	return {text: lines.join('\n'), error: failure.error};
}

const REASONS: Record<number, string> = {200: 'OK', 400: 'Bad Request', 404: 'Not Found', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable'};

/** uvicorn's access log line (plain text, stderr). */
export function uvicornAccess(remote: string, method: string, path: string, status: number): string {
	return `INFO:     ${remote} - "${method} ${path} HTTP/1.1" ${status} ${REASONS[status] ?? ''}`.trimEnd();
}

/**
 * Background lines for the logRate knob: realistic INFO records with variable parts, from a
 * handful of templates, so log template mining has something real to chew on.
 */
export function backgroundLine(n: number, now: number): string {
	switch (n % 5) {
		case 0:
			return record('INFO', 'Cache maintenance: evicted expired entries', {evicted: n % 17, cache_size: 200 + (n % 300)}, now);
		case 1:
			return record('INFO', `Worker ${n % 8} heartbeat`, {queue_depth: n % 3, busy_ms: (n * 7) % 1000}, now);
		case 2:
			return record('INFO', 'Ephemeris segment loaded', {body: ['Sun', 'Moon', 'Mars', 'Venus'][n % 4], segment: 1000 + (n % 400), load_ms: ((n % 50) / 10).toFixed(1)}, now);
		case 3:
			return record('INFO', 'Redis ping ok', {latency_ms: ((n % 30) / 10).toFixed(2)}, now);
		default:
			return record('INFO', 'Metrics snapshot', {requests_in_window: n % 1000, window_s: 60}, now);
	}
}
