// Response drift: the same request answered by both engines, the JSON bodies compared field by
// field. Numbers may differ within a tolerance (absolute or relative, per field path); volatile
// fields (ids, timestamps, versions) are ignored by path. Pure: bodies in, differences out.

import type {Row} from './verdict-checks.ts';

export interface Tolerance {
	/** Allowed absolute difference. */
	abs: number;
	/** Allowed difference relative to the larger magnitude of the two values. */
	rel: number;
}

export interface DriftRules {
	/** Path patterns never compared: `request_id`, `**.timestamp`, `meta.*`. */
	ignore: string[];
	tolerance: Tolerance;
	/** Per path pattern, overriding `tolerance`; the first pattern that matches wins. */
	tolerances: Record<string, Tolerance>;
}

export interface FieldDiff {
	/** Where, with array indices: positions[2].longitude. */
	path: string;
	stable: unknown;
	canary: unknown;
	/** |canary - stable| for numbers, null otherwise. */
	diff: number | null;
	/** What was allowed at this path (numbers only). */
	allowed: number | null;
	/** How far beyond the tolerance: diff / allowed for numbers; Infinity for a changed type, value or a missing field. */
	excess: number;
}

/**
 * Patterns are dot-separated keys; `*` is any one key, `**` any number of keys. Array indices
 * are left out when matching, so `positions.longitude` names every position's longitude.
 */
export function matchPath(pattern: string, path: string): boolean {
	const want = pattern.split('.').filter(Boolean);
	const have = path.replace(/\[\d+\]/g, '').split('.').filter(Boolean);
	const go = (i: number, j: number): boolean => {
		if (i === want.length) return j === have.length;
		if (want[i] === '**') return go(i + 1, j) || (j < have.length && go(i, j + 1));
		return j < have.length && (want[i] === '*' || want[i] === have[j]) && go(i + 1, j + 1);
	};
	return go(0, 0);
}

function toleranceAt(path: string, rules: DriftRules): Tolerance {
	for (const [pattern, tolerance] of Object.entries(rules.tolerances)) if (matchPath(pattern, path)) return tolerance;
	return rules.tolerance;
}

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const MAX_DIFFS = 200;

/** Every field beyond its tolerance, worst first (bounded). */
export function compareJson(stable: unknown, canary: unknown, rules: DriftRules): FieldDiff[] {
	const out: FieldDiff[] = [];
	const walk = (a: unknown, b: unknown, path: string) => {
		if (out.length >= MAX_DIFFS) return;
		if (path && rules.ignore.some((pattern) => matchPath(pattern, path))) return;
		const ka = kindOf(a);
		const kb = kindOf(b);
		if (ka !== kb) {
			out.push({path: path || '(body)', stable: a, canary: b, diff: null, allowed: null, excess: Number.POSITIVE_INFINITY});
			return;
		}
		if (ka === 'number') {
			const x = a as number;
			const y = b as number;
			const diff = Math.abs(y - x);
			const t = toleranceAt(path, rules);
			const allowed = Math.max(t.abs, t.rel * Math.max(Math.abs(x), Math.abs(y)));
			if (diff > allowed) out.push({path, stable: x, canary: y, diff, allowed, excess: allowed > 0 ? diff / allowed : Number.POSITIVE_INFINITY});
			return;
		}
		if (ka === 'array') {
			const xs = a as unknown[];
			const ys = b as unknown[];
			for (let i = 0; i < Math.max(xs.length, ys.length); i++) walk(xs[i], ys[i], `${path}[${i}]`);
			return;
		}
		if (ka === 'object') {
			const x = a as Record<string, unknown>;
			const y = b as Record<string, unknown>;
			for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) walk(x[key], y[key], path ? `${path}.${key}` : key);
			return;
		}
		if (a !== b) out.push({path: path || '(body)', stable: a, canary: b, diff: null, allowed: null, excess: Number.POSITIVE_INFINITY});
	};
	walk(stable, canary, '');
	return out.sort((p, q) => q.excess - p.excess);
}

/** One probe's comparison, as the drift check reads it. */
export interface ProbeComparison {
	probe: string;
	/** Both engines answered with a JSON body that could be compared. */
	compared: boolean;
	/** Why not, when not compared (a failed request, a non-JSON body, different statuses). */
	problem: string | null;
	diffs: FieldDiff[];
}

const show = (value: unknown) => {
	const text = value === undefined ? 'missing' : JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** The verdict row "response drift": FAIL names the worst field, both values and the difference. */
export function driftCheck(comparisons: readonly ProbeComparison[], rules: DriftRules, windowSec: number, at: number | null): Row {
	const row: Row = {id: 'drift', label: 'response drift', stable: null, canary: null, unit: '', threshold: `numbers within ${rules.tolerance.abs} abs or ${rules.tolerance.rel * 100} % (per path); ${rules.ignore.length} paths ignored`, windowSec, n: null, state: 'NO DATA', reason: 'no A/B probe round yet'};
	if (at === null) return row;
	const compared = comparisons.filter((c) => c.compared);
	const mismatched = comparisons.find((c) => !c.compared && c.problem);
	const worst = compared.flatMap((c) => c.diffs.slice(0, 1).map((d) => ({...d, probe: c.probe}))).sort((p, q) => q.excess - p.excess)[0];
	if (worst) {
		const numeric = typeof worst.stable === 'number' && typeof worst.canary === 'number';
		const how = worst.diff !== null && worst.allowed !== null ? `differ by ${Number(worst.diff.toPrecision(4))} > ${Number(worst.allowed.toPrecision(4))} allowed` : 'differ';
		const count = compared.reduce((n, c) => n + c.diffs.length, 0);
		return {...row, n: compared.length, state: 'FAIL', stable: numeric ? (worst.stable as number) : null, canary: numeric ? (worst.canary as number) : null, reason: `${worst.probe}: ${worst.path} stable ${show(worst.stable)} canary ${show(worst.canary)} ${how}${count > 1 ? ` (${count} fields beyond tolerance)` : ''}`};
	}
	if (mismatched && compared.length === 0) return {...row, n: 0, reason: `${mismatched.probe}: ${mismatched.problem}`};
	return {...row, n: compared.length, state: mismatched ? 'WARN' : 'PASS', reason: mismatched ? `${mismatched.probe}: ${mismatched.problem}` : `${compared.length} probes answered alike within tolerance`};
}
