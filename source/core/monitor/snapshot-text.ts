import type {EngineView, Snapshot} from './snapshot.ts';
import type {SplitSample} from '../change/split-sample.ts';
import type {CheckRow, Verdict} from '../../domain/figures.ts';
import type {PatternRow} from '../../domain/error-diff.ts';
import {formatSplit} from '../../domain/upstream.ts';
import {sanitizeForTerminal} from '../../domain/sanitize.ts';
import {attributionFix} from '../change/split-verify.ts';

// The snapshot as plain text (`status`) and as JSON (`status --json`): the same numbers
// the screen shows, without the screen. Both round the same way, so a script reading the
// JSON and a person reading the text see the same figures: durations in ms to 0.1,
// percentages (and rates per 1k requests) to 0.01, ratios (0..1) to 0.0001, that is 0.01 %.

const round = (value: number | null | undefined, digits = 4) =>
	value === null || value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits));

export const roundMs = (value: number | null | undefined) => round(value, 1);
export const roundPercent = (value: number | null | undefined) => round(value, 2);
export const roundRatio = (value: number | null | undefined) => round(value, 4);

/** A check's figure in its unit: ms to 0.1; %, points and counts to 0.01. */
export function roundCheckValue(value: number | null, unit: CheckRow['unit']): number | null {
	return unit === 'ms' ? roundMs(value) : roundPercent(value);
}

export function verdictJson(verdict: Verdict | null) {
	if (!verdict) return null;
	return {
		...verdict,
		checks: verdict.checks.map((row) => ({...row, stable: roundCheckValue(row.stable, row.unit), canary: roundCheckValue(row.canary, row.unit), windowSec: round(row.windowSec, 1)})),
	};
}

/** Canary share to `digits` decimals and stable the rest, so the two always sum to 100. */
function shares(observed: {stable: number; canary: number}, digits: number): {stable: number; canary: number} {
	const canary = round(observed.canary, digits) ?? 0;
	return {stable: round(100 - canary, digits) ?? 0, canary};
}

/** The sample, rounded, with its attributed and unattributed counts; no observed split over N=0. */
export function sampleJson(sample: SplitSample | null | undefined) {
	if (!sample) return null;
	const attributed = sample.stable + sample.canary;
	return {
		...sample,
		attributed,
		unattributed: sample.unknown,
		ms: roundMs(sample.ms),
		observed: attributed > 0 ? shares(sample.observed, 2) : null,
		interval: sample.interval ? {low: roundPercent(sample.interval.low)!, high: roundPercent(sample.interval.high)!} : null,
	};
}

function healthJson<T extends {latencyMs?: number | null; cacheHitRate?: number | null} | null>(health: T): T {
	if (!health) return health;
	return {...health, latencyMs: roundMs(health.latencyMs), cacheHitRate: roundRatio(health.cacheHitRate)};
}

function patternJson({example: _example, ...row}: PatternRow) {
	return {...row, stablePer1k: roundPercent(row.stablePer1k), canaryPer1k: roundPercent(row.canaryPer1k), ratio: roundPercent(row.ratio), upFactor: roundPercent(row.upFactor)};
}

function engineJson(engine: EngineView) {
	const f = engine.figures;
	const r = engine.resources;
	return {
		url: engine.url,
		probe: engine.probe,
		health: healthJson(engine.health),
		version: engine.health?.version ?? null,
		window: f
			? {
					seconds: round(f.windowSec, 1),
					requests: f.requests,
					rps: round(f.rps, 2),
					errors5xx: f.errors5xx,
					ratio5xx: roundRatio(f.ratio5xx),
					latencyCount: f.latencyCount,
					p50Ms: f.p50 ? roundMs(f.p50.seconds * 1000) : null,
					p95Ms: f.p95 ? roundMs(f.p95.seconds * 1000) : null,
					p99Ms: f.p99 ? roundMs(f.p99.seconds * 1000) : null,
					p95AtLeast: f.p95?.atLeast ?? false,
					cacheHitRatio: roundRatio(f.cacheHitRatio),
					reset: f.reset,
				}
			: null,
		resources: r
			? {memUsed: r.memUsed, memLimit: r.memLimit, memPercent: r.memLimit > 0 ? roundPercent((r.memUsed / r.memLimit) * 100) : null, cpuPercent: roundPercent(r.cpuPercent), startedAt: r.startedAt, restarts: r.restarts}
			: null,
		logs: engine.logs,
		condition: engine.condition,
		lifecycle: engine.lifecycle,
		...(engine.replicas ? {replicas: engine.replicas.map((r) => ({...r, p95Ms: roundMs(r.p95Ms), ratio5xx: roundRatio(r.ratio5xx), memPercent: roundPercent(r.memPercent)}))} : {}),
	};
}

/** What a status judged: one whole analysis window it watched, or an instant snapshot (--now). */
export interface StatusBasis {
	kind: 'window' | 'instant';
	seconds: number;
}

export function snapshotToJson(snapshot: Snapshot, basis?: StatusBasis) {
	return {
		at: new Date(snapshot.at).toISOString(),
		...(basis ? {basis: {kind: basis.kind, seconds: round(basis.seconds, 1)}} : {}),
		runtime: snapshot.runtime,
		proxy: snapshot.proxy,
		services: snapshot.services,
		servicesError: snapshot.servicesError,
		split: {
			configured: snapshot.split.configured ? formatSplit(snapshot.split.configured) : null,
			configError: snapshot.split.configError,
			observed: sampleJson(snapshot.split.observed),
			fromMetrics: snapshot.split.fromMetrics ? formatSplit(snapshot.split.fromMetrics) : null,
		},
		stage: snapshot.stage,
		verdict: verdictJson(snapshot.verdict),
		engines: {stable: engineJson(snapshot.engines.stable), canary: engineJson(snapshot.engines.canary)},
		balancer: snapshot.balancer ? {...snapshot.balancer, health: healthJson(snapshot.balancer.health)} : snapshot.balancer,
		patterns: snapshot.patterns.slice(0, 20).map(patternJson),
		notices: snapshot.notices,
	};
}

/** "sampled 90/10 (N=180 by version, 20 unattributed)", or why nothing was attributed. */
export function sampleText(sample: SplitSample): string {
	const attributed = sample.stable + sample.canary;
	const extra = `${sample.unknown > 0 ? `, ${sample.unknown} unattributed` : ''}${sample.errors > 0 ? `, ${sample.errors} errors` : ''}`;
	if (attributed === 0) return `sampled: no answer attributed (N=0 of ${sample.n}${extra})${sample.attributionProblem ? `: ${attributionFix(sample)}` : ''}`;
	return `sampled ${observedText(sample.observed, 2)} (N=${attributed} by ${sample.method}${extra})`;
}

/** "91.5/8.5": decimals only when the share is not whole (one on screen), and the two always sum to 100. */
export function observedText(observed: {stable: number; canary: number}, digits = 1): string {
	const {stable, canary} = shares(observed, digits);
	return `${stable}/${canary}`;
}

/** A figure as the JSON has it: ms to 0.1, anything else to 0.01. */
const cell = (value: number | null, unit: string) => {
	const rounded = unit === 'ms' ? roundMs(value) : roundPercent(value);
	return rounded === null ? '-' : `${rounded}${unit}`;
};

export function renderStatusText(snapshot: Snapshot, basis?: StatusBasis): string {
	const lines: string[] = [];
	const {split, verdict} = snapshot;
	lines.push(`canary-console status at ${new Date(snapshot.at).toISOString()}  (${snapshot.runtime.describe}; proxy ${snapshot.proxy})`);
	if (basis) {
		lines.push(basis.kind === 'window' ? `judged over a ${Math.round(basis.seconds)} s window watched from start to end` : `instant snapshot (--now): ${Math.round(basis.seconds)} s of data, not a whole window`);
	}
	// Docker trouble, as status --json carries it in servicesError, services and logs.
	if (snapshot.servicesError) lines.push(`docker: ${snapshot.servicesError}`);
	const missing = snapshot.services.filter((service) => !service.found).map((service) => service.name);
	if (missing.length > 0) lines.push(`services missing: ${missing.join(', ')}`);
	for (const service of snapshot.services.filter((x) => x.found && x.state !== 'running')) lines.push(`service ${service.name}: ${service.state}`);
	for (const role of ['stable', 'canary'] as const) {
		const logs = snapshot.engines[role].logs;
		if (logs.state === 'failed' || logs.state === 'waiting') lines.push(`${role} logs ${logs.state}${logs.message ? `: ${logs.message}` : ''}`);
	}
	lines.push(
		`split: configured ${split.configured ? formatSplit(split.configured) : '?'}` +
			(split.observed ? `, ${sampleText(split.observed)}` : ', not sampled') +
			(split.configError ? `  config: ${split.configError}` : ''),
	);
	lines.push(`verdict: ${verdict ? `${verdict.overall}: ${verdict.reason}` : 'no verdict yet (need two scrapes of both engines)'}`);
	for (const role of ['stable', 'canary'] as const) {
		const engine = snapshot.engines[role];
		const f = engine.figures;
		const r = engine.resources;
		lines.push(
			`${role.padEnd(7)} ${engine.condition.padEnd(10)} v${engine.health?.version ?? '?'}  ` +
				`p95 ${cell(f?.p95 ? f.p95.seconds * 1000 : null, 'ms')}  req/s ${cell(f?.rps ?? null, '')}  5xx ${cell(f?.ratio5xx == null ? null : f.ratio5xx * 100, '%')}  ` +
				`mem ${cell(r && r.memLimit > 0 ? (r.memUsed / r.memLimit) * 100 : null, '%')}  probe ${engine.probe.state}${engine.probe.message ? ` (${engine.probe.message})` : ''}`,
		);
		for (const replica of engine.replicas ?? []) {
			lines.push(
				`  ${replica.id.padEnd(5)} ${replica.health.padEnd(10)} p95 ${cell(replica.p95Ms, 'ms')}  N ${replica.requests ?? '-'}  5xx ${cell(replica.ratio5xx === null ? null : replica.ratio5xx * 100, '%')}  ` +
					`mem ${cell(replica.memPercent, '%')}${replica.problem ? `  (${replica.problem})` : ''}${replica.outlier ? `  OUTLIER: ${replica.outlier}` : ''}`,
			);
		}
	}
	if (verdict) {
		lines.push('');
		lines.push(`${'check'.padEnd(22)} ${'stable'.padStart(9)} ${'canary'.padStart(9)}  ${'threshold'.padEnd(34)} ${'window'.padStart(6)} ${'N'.padStart(6)}  state    budget`);
		for (const row of verdict.checks) {
			lines.push(
				`${row.label.slice(0, 22).padEnd(22)} ${cell(row.stable, row.unit === 'pts' ? 'pt' : row.unit).padStart(9)} ${cell(row.canary, row.unit === 'pts' ? 'pt' : row.unit).padStart(9)}  ${row.threshold.slice(0, 34).padEnd(34)} ${`${round(row.windowSec, 1)}s`.padStart(6)} ${(row.n === null ? '-' : String(row.n)).padStart(6)}  ${row.state.padEnd(8)} ${row.budget.used}/${row.budget.of}`,
			);
		}
	}
	const patterns = snapshot.patterns.slice(0, 5);
	if (patterns.length > 0) {
		lines.push('');
		lines.push('error patterns (per 1k requests): flag stable canary pattern');
		for (const row of patterns) {
			lines.push(`  ${row.flag.padEnd(5)} ${cell(row.stablePer1k, '').padStart(7)} ${cell(row.canaryPer1k, '').padStart(7)}  ${row.template.slice(0, 90)}`);
		}
	}
	return sanitizeForTerminal(lines.join('\n'), {keepNewlines: true});
}
