// The fault matrix: every bad-day event, what the console must do, and the test that proves it.
// `npm run test:faults` (ops/faults/run.ts) runs the files and prints this table with results.

export interface MatrixRow {
	fault: string;
	expected: string;
	/** Test file relative to the project root, and the test's exact name; null when pending. */
	file: string | null;
	test: string | null;
	/** Why a row has no test yet, or where it runs (Docker rows run in `npm run test:e2e`). */
	note?: string;
}

const ENGINE = 'test/faults/engine-faults.test.ts';
const WEIGHT = 'test/faults/weight-faults.test.ts';
const SIGNALS = 'test/faults/signals.test.ts';
const TERMINAL = 'test/faults/terminal.test.ts';
const DOCKER_LOGS = 'test/e2e/docker-logs.test.ts';
const CONSOLE = 'test/e2e/console.test.ts';

export const MATRIX: MatrixRow[] = [
	{fault: 'engine refuses connections (crash)', expected: 'probe refused + health unhealthy; stable polled; engine back; log gap marked', file: ENGINE, test: 'engine crashes (connection refused): refused shown, stable polled, engine back, log gap marked'},
	{fault: 'engine hangs', expected: 'probe timeout with message; other engine keeps polling', file: ENGINE, test: 'engine hangs (accepts, never answers): probe timeout with a message, stable keeps polling'},
	{fault: 'engine answers 503', expected: 'health unhealthy (HTTP 503) with reason; recovers', file: ENGINE, test: 'engine answers 503: canary health unhealthy with the reason, stable stays healthy, then recovers'},
	{fault: 'engine answers garbage', expected: 'bad-response, printable messages, no figures invented', file: ENGINE, test: 'engine answers garbage on /metrics and /healthz: bad-response, printable messages, stable unaffected'},
	{fault: '/metrics slow', expected: 'timeout with message, then recovers', file: ENGINE, test: '/metrics slower than the timeout: probe timeout with a message, stable still polled, then recovers'},
	{fault: '/metrics huge (10 MB)', expected: 'refused as too big, memory bounded', file: ENGINE, test: '/metrics answers a 10 MB page: refused as too big (bounded memory), stable unaffected'},
	{fault: 'counters reset', expected: 'no negative/infinite rate; reset flagged', file: ENGINE, test: 'counters reset (engine restarted): never a negative or infinite rate, reset flagged'},
	{fault: 'container restarts', expected: 'logs reattached, gap marked, nothing lost', file: DOCKER_LOGS, test: 'docker restart engine-canary: reattached within 2 s, gap marked, no duplicate and no lost line', note: 'Docker: runs in npm run test:e2e'},
	{fault: 'container removed and recreated', expected: 'logs reattached to the new container', file: DOCKER_LOGS, test: 'docker rm -f then a new container with the same name: reattached', note: 'Docker: runs in npm run test:e2e'},
	{fault: 'Docker daemon stops and returns', expected: 'reported unreachable, then recovered', file: DOCKER_LOGS, test: 'Docker daemon stopped mid-run: reported unreachable, then recovered when it returns', note: 'Docker: runs in npm run test:e2e'},
	{fault: 'nginx-canary stops', expected: 'balancer unhealthy (refused) shown; weight change fails with reason, nothing written; after start the next change verifies', file: CONSOLE, test: 'nginx-canary stopped: status shows the balancer unhealthy, a weight change fails and says why; started again, the next change verifies', note: 'Docker: runs in npm run test:e2e'},
	{fault: 'nginx -t fails mid-change', expected: 'file restored byte for byte; outcome failed; audit says failed', file: WEIGHT, test: 'nginx -t fails (someone wrote weight=0 mid-change): file restored byte for byte, reported failed'},
	{fault: 'config changed by someone else mid-action', expected: 'refused, nothing written, the outside change shown', file: WEIGHT, test: 'config changed by someone else between request and confirm: refused, nothing written, the outside change shown'},
	{fault: 'audit log read-only', expected: 'change refused with the reason; with allowNoAudit it completes', file: WEIGHT, test: 'audit log read-only (its directory cannot be created): the change is refused and says why; with allowNoAudit it completes and shows the audit failure'},
	{fault: 'audit log disk full', expected: 'change refused with the reason; with allowNoAudit it completes', file: WEIGHT, test: 'audit log full (ENOSPC): the change is refused and says why; with allowNoAudit it completes and shows the audit failure'},
	{fault: 'webhook receiver down', expected: 'never blocks; failure kept, receiver redacted', file: WEIGHT, test: 'webhook receiver down: notify returns at once, the failure is kept (receiver redacted) for the screen'},
	...(['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((signal) => ({
		fault: `${signal} during a weight change`,
		expected: 'at every step: the change finishes (verified), then exit; file, balancer and audit agree',
		file: SIGNALS,
		test: `${signal} at each step of a weight change leaves a complete config and an audit log that says which`,
	})),
	{fault: 'SIGKILL during a weight change', expected: 'at every step: config complete (old or new); audit ends on started or an outcome', file: SIGNALS, test: 'SIGKILL at each step of a weight change leaves a complete config and an audit log that started or ended'},
	{fault: 'terminal shrinks to 40x10', expected: '"needs 80x24" message, no line wider than 40', file: TERMINAL, test: 'the terminal shrinks to 40x10: the console says it needs 80x24 and draws nothing wider'},
];

/** Fuzz files the runner runs with the fault tests; each reports its inputs per parser. */
export const FUZZ_FILES = ['test/fuzz-prometheus.test.ts', 'test/fuzz-health.test.ts', 'test/fuzz-logs.test.tsx', 'test/fuzz-upstream.test.ts'];
