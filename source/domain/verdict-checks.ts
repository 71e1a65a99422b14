// One function per check of the verdict. Each says its state, the values behind it, the rule
// and, in one line, why. The rules and their defaults are explained in the README's verdict section.

import type {CheckRow, CheckState, WindowFigures} from './figures.ts';
import {cleanText} from './health.ts';
import {rateExcessP, twoProportionZ, wilsonInterval, Z999} from './proportions.ts';
import type {EngineInput, VerdictInput} from './verdict.ts';

export type Row = Omit<CheckRow, 'budget'>;

export const fmtMs = (ms: number): string => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));
export const fmtPct = (pct: number): string => (pct < 1 ? pct.toFixed(2) : pct.toFixed(1));
const fmtMiB = (bytes: number): string => `${Math.round(bytes / 1048576)} MiB`;
const fmtP = (p: number): string => (p < 0.0001 ? '< 0.0001' : p.toPrecision(2));
const ms = (w: WindowFigures | null) => (w?.p95 ? w.p95.seconds * 1000 : null);
const p95Text = (w: WindowFigures) => `${w.p95?.atLeast ? '>= ' : ''}${fmtMs(ms(w) ?? 0)} ms`;
const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

function band(value: number, warn: number, fail: number): CheckState {
	return value > fail ? 'FAIL' : value > warn ? 'WARN' : 'PASS';
}

function checkP95(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: c} = input.canary;
	const row: Row = {id: 'p95', label: 'p95 latency', stable: ms(input.stable.window), canary: ms(c), unit: 'ms', threshold: `warn > ${t.p95WarnMs} ms, fail > ${t.p95FailMs} ms`, windowSec, n: c?.latencyCount ?? null, state: 'NO DATA', reason: ''};
	if (!c) return {...row, reason: 'no /metrics window for canary yet'};
	if (c.latencyCount < t.minRequests || !c.p95) return {...row, canary: null, reason: `canary N=${c.latencyCount} in ${windowSec} s, need ${t.minRequests} to judge p95`};
	const value = ms(c)!;
	row.state = band(value, t.p95WarnMs, t.p95FailMs);
	const limit = row.state === 'FAIL' ? `> ${t.p95FailMs} ms` : row.state === 'WARN' ? `> ${t.p95WarnMs} ms (warn)` : `<= ${t.p95WarnMs} ms`;
	return {...row, reason: `canary p95 ${p95Text(c)} ${limit} over ${windowSec} s (N=${c.latencyCount})`};
}

function checkP95Relative(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: s} = input.stable;
	const {window: c} = input.canary;
	const row: Row = {id: 'p95-relative', label: 'p95 vs stable', stable: ms(s), canary: ms(c), unit: 'ms', threshold: `warn > +${t.p95RelativeWarnPct} % and +${t.p95RelativeWarnMs} ms, fail > +${t.p95RelativeFailPct} % and +${t.p95RelativeFailMs} ms`, windowSec, n: c?.latencyCount ?? null, state: 'NO DATA', reason: ''};
	if (!s || !c || s.latencyCount < t.minRequests || c.latencyCount < t.minRequests || !s.p95 || !c.p95) {
		return {...row, reason: `stable N=${s?.latencyCount ?? 0}, canary N=${c?.latencyCount ?? 0} in ${windowSec} s, need ${t.minRequests} each to compare`};
	}
	const diff = ms(c)! - ms(s)!;
	const pct = ms(s)! > 0 ? (diff / ms(s)!) * 100 : diff > 0 ? Number.POSITIVE_INFINITY : 0;
	row.state = diff > t.p95RelativeFailMs && pct > t.p95RelativeFailPct ? 'FAIL' : diff > t.p95RelativeWarnMs && pct > t.p95RelativeWarnPct ? 'WARN' : 'PASS';
	const sign = diff >= 0 ? '+' : '-';
	const rel = Number.isFinite(pct) ? ` (${sign}${Math.abs(Math.round(pct))} %)` : '';
	const limit = row.state === 'FAIL' ? ` > +${t.p95RelativeFailPct} % and +${t.p95RelativeFailMs} ms` : row.state === 'WARN' ? ` > +${t.p95RelativeWarnPct} % and +${t.p95RelativeWarnMs} ms` : '';
	return {...row, reason: `canary p95 ${p95Text(c)} vs stable ${p95Text(s)}: ${sign}${fmtMs(Math.abs(diff))} ms${rel}${limit} over ${windowSec} s (N=${c.latencyCount})`};
}

const pct5xx = (w: WindowFigures | null) => (w && w.ratio5xx !== null ? w.ratio5xx * 100 : null);

function check5xx(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: c} = input.canary;
	const row: Row = {id: '5xx', label: '5xx rate', stable: pct5xx(input.stable.window), canary: pct5xx(c), unit: '%', threshold: `warn > ${t.ratio5xxWarnPct} %, fail > ${t.ratio5xxFailPct} %; fail needs ${t.minEvents} 5xx`, windowSec, n: c?.requests ?? null, state: 'NO DATA', reason: ''};
	if (!c) return {...row, reason: 'no /metrics window for canary yet'};
	if (c.requests < t.minRequests) return {...row, canary: null, reason: `canary N=${c.requests} in ${windowSec} s, need ${t.minRequests} to judge 5xx`};
	const value = pct5xx(c)!;
	row.state = band(value, t.ratio5xxWarnPct, t.ratio5xxFailPct);
	// A single 5xx in a hundred requests is 1 %: too few events to fail a canary on.
	const few = row.state === 'FAIL' && c.errors5xx < t.minEvents;
	if (few) row.state = 'WARN';
	const limit = few ? `> ${t.ratio5xxFailPct} % but only ${c.errors5xx} 5xx (fail needs ${t.minEvents})` : row.state === 'FAIL' ? `> ${t.ratio5xxFailPct} %` : row.state === 'WARN' ? `> ${t.ratio5xxWarnPct} % (warn)` : `<= ${t.ratio5xxWarnPct} %`;
	return {...row, reason: `canary 5xx ${fmtPct(value)} % (${c.errors5xx} of ${c.requests}) ${limit} over ${windowSec} s (N=${c.requests})`};
}

function check5xxRelative(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: s} = input.stable;
	const {window: c} = input.canary;
	const row: Row = {id: '5xx-relative', label: '5xx vs stable', stable: pct5xx(s), canary: pct5xx(c), unit: '%', threshold: `exact test: warn p < ${t.pWarn}, fail p < ${t.pFail}; >= ${t.minEvents} canary 5xx`, windowSec, n: c?.requests ?? null, state: 'NO DATA', reason: ''};
	if (!s || !c || s.requests < t.minRequests || c.requests < t.minRequests) {
		return {...row, reason: `stable N=${s?.requests ?? 0}, canary N=${c?.requests ?? 0} in ${windowSec} s, need ${t.minRequests} each to compare`};
	}
	const shares = `canary 5xx ${fmtPct(pct5xx(c)!)} % (${c.errors5xx}) vs stable ${fmtPct(pct5xx(s)!)} % (${s.errors5xx})`;
	if (c.errors5xx < t.minEvents) return {...row, state: 'PASS', reason: `${shares}: fewer than ${t.minEvents} canary 5xx, nothing to test over ${windowSec} s (N=${c.requests})`};
	const p = rateExcessP(c.errors5xx, s.errors5xx, c.requests, s.requests) ?? 1;
	row.state = p < t.pFail ? 'FAIL' : p < t.pWarn ? 'WARN' : 'PASS';
	const limit = row.state === 'FAIL' ? ` < ${t.pFail}` : row.state === 'WARN' ? ` < ${t.pWarn} (warn)` : '';
	return {...row, reason: `${shares}: p = ${fmtP(p)}${limit} over ${windowSec} s (N=${c.requests})`};
}

function checkMemory(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const pct = (m: EngineInput['memory']) => (m && m.limit > 0 && Number.isFinite(m.used) ? (m.used / m.limit) * 100 : null);
	const now = pct(input.canary.memory);
	const peak = input.canary.memoryPeakPct ?? null;
	// The peak of the window: an engine killed at its limit starts over near zero.
	const value = peak !== null && (now === null || peak > now) ? peak : now;
	const ooms = input.canary.lifecycle?.ooms ?? 0;
	const row: Row = {id: 'memory', label: 'memory', stable: pct(input.stable.memory), canary: value, unit: '%', threshold: `warn > ${t.memoryWarnPct} %, fail > ${t.memoryFailPct} % of limit (peak in window) or an OOM kill`, windowSec, n: null, state: 'NO DATA', reason: 'no memory reading for canary'};
	if (ooms > 0) {
		const last = input.canary.lifecycle!.lastExit;
		return {...row, state: 'FAIL', reason: `canary OOM killed${ooms > 1 ? ` ${ooms} times` : ''} in the last ${windowSec} s${last?.oom ? ` (last at ${clock(last.at)})` : ''}${value !== null ? `, peak ${Math.round(value)} % of its limit` : ''}`};
	}
	if (value === null) return row;
	row.state = band(value, t.memoryWarnPct, t.memoryFailPct);
	const limit = row.state === 'FAIL' ? `> ${t.memoryFailPct} %` : row.state === 'WARN' ? `> ${t.memoryWarnPct} % (warn)` : `<= ${t.memoryWarnPct} %`;
	const what = value === now ? 'memory' : `memory peaked at`;
	const of = input.canary.memory && input.canary.memory.limit > 0 ? ` of ${fmtMiB(input.canary.memory.limit)}` : '';
	return {...row, reason: `canary ${what} ${Math.round(value)} %${of} ${limit}${value !== now && now !== null ? ` (now ${Math.round(now)} %)` : ''}`};
}

function checkHealth(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const h = input.canary.health;
	const w = input.canary.healthWindow ?? null;
	const row: Row = {id: 'health', label: 'health', stable: input.stable.health?.httpCode ?? null, canary: h?.httpCode ?? null, unit: '', threshold: `fail if unhealthy now or in >= ${t.healthFailPct} % of probes, warn if degraded or any probe failed`, windowSec, n: w?.n ?? (h ? 1 : null), state: 'NO DATA', reason: 'no /healthz reading for canary'};
	if (!h) return row;
	const why = h.error ? `: ${cleanText(h.error, 80)}` : '';
	const code = h.httpCode === null ? 'no answer' : `HTTP ${h.httpCode}`;
	const share = w && w.n > 0 ? (w.failed / w.n) * 100 : 0;
	const over = w && w.n > 0 ? ` ${w.failed} of ${w.n} probes failed in ${windowSec} s, ${w.flips} flips, longest ${Math.round(w.longestFailedMs / 1000)} s` : '';
	if (h.status === 'unhealthy') return {...row, state: 'FAIL', reason: `canary unhealthy (${code})${why};${over || ' one probe'}`};
	if (w && w.n > 0 && share >= t.healthFailPct) return {...row, state: 'FAIL', reason: `canary unhealthy in ${Math.round(share)} % of probes >= ${t.healthFailPct} %:${over}`};
	if (h.status === 'degraded') return {...row, state: 'WARN', reason: `canary degraded (${code})${why}`};
	if (h.status === 'unknown') return {...row, reason: `canary health unknown (${code})${why}`};
	if (w && w.failed > 0) return {...row, state: 'WARN', reason: `canary healthy now (${code}) but${over}`};
	if (h.kernelsOk === false) return {...row, state: 'WARN', reason: `canary healthy (${code}) but its kernel check failed`};
	return {...row, state: 'PASS', reason: `canary healthy (${code}${h.version ? `, ${h.version}` : ''}${h.latencyMs !== null ? `, ${fmtMs(h.latencyMs)} ms` : ''})${w && w.n > 1 ? `, all ${w.n} probes in ${windowSec} s` : ''}`};
}

function checkRestarts(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const c = input.canary.lifecycle ?? null;
	const s = input.stable.lifecycle ?? null;
	const row: Row = {id: 'restarts', label: 'restarts', stable: s?.exits ?? null, canary: c?.exits ?? null, unit: '', threshold: `warn at ${t.restartsWarn}, fail at ${t.restartsFail} exits or an OOM kill in the window`, windowSec, n: null, state: 'NO DATA', reason: 'no restart figures for canary (the runtime does not report them)'};
	if (!c) return row;
	const last = c.lastExit;
	const lastText = last ? `; last exit ${clock(last.at)}${last.code !== null ? ` code ${last.code}` : ''}${last.oom ? ' (OOM kill)' : ''}` : '';
	if (c.ooms > 0) return {...row, state: 'FAIL', reason: `canary OOM killed ${c.ooms === 1 ? 'once' : `${c.ooms} times`} in ${windowSec} s${lastText}`};
	row.state = c.exits >= t.restartsFail ? 'FAIL' : c.exits >= t.restartsWarn ? 'WARN' : 'PASS';
	if (row.state === 'PASS') return {...row, reason: `canary did not exit in ${windowSec} s${c.state && c.state !== 'running' ? ` (state ${c.state})` : ''}`};
	return {...row, reason: `canary exited ${c.exits === 1 ? 'once' : `${c.exits} times`} in ${windowSec} s${row.state === 'FAIL' ? ` >= ${t.restartsFail}: crash loop` : ''}${lastText}`};
}

/** The canary's share of the requests both engines served, by their own metrics, against the configured split. */
function checkTraffic(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {window: s} = input.stable;
	const {window: c} = input.canary;
	const conf = input.configured ?? null;
	const row: Row = {id: 'traffic', label: 'traffic share', stable: null, canary: null, unit: '%', threshold: 'fail when the 99.9 % interval misses the configured share by more than half the smaller side (min 2 points)', windowSec, n: null, state: 'NO DATA', reason: 'no configured split yet'};
	if (!conf) return row;
	row.stable = conf.split.stable;
	if (!s || !c) return {...row, reason: 'no /metrics window for both engines yet'};
	const n = s.requests + c.requests;
	row.n = n;
	if (n < t.minRequests) return {...row, reason: `N=${n} requests in ${windowSec} s, need ${t.minRequests} to compare the split`};
	if (input.now - conf.since < windowSec * 1000) return {...row, reason: `the split changed ${Math.round((input.now - conf.since) / 1000)} s ago: the window still mixes two splits`};
	const share = (c.requests / n) * 100;
	row.canary = share;
	const interval = wilsonInterval(c.requests, n, Z999)!;
	const [low, high] = [interval.low * 100, interval.high * 100];
	const expected = conf.split.canary;
	const tolerance = Math.max(2, Math.min(expected, 100 - expected) / 2);
	const range = `${fmtPct(low)}-${fmtPct(high)} %`;
	const text = `canary served ${fmtPct(share)} % (${range}, 99.9 %) of ${n} requests, configured ${expected} %`;
	if (high < expected - tolerance) return {...row, state: 'FAIL', reason: `${text}: far below its share (nginx failing over, or a server marked down)`};
	if (low > expected + tolerance) return {...row, state: 'FAIL', reason: `${text}: far above its share`};
	return {...row, state: 'PASS', reason: `${text}`};
}

function checkCache(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const {stable: s, canary: c} = input;
	const row: Row = {id: 'cache', label: 'cache hit rate', stable: null, canary: null, unit: '%', threshold: `warn > ${t.cacheDropWarnPts} points below stable, after ${t.cacheWarmupLookups} lookups`, windowSec, n: null, state: 'NO DATA', reason: 'no cache figures for both engines'};
	let pair: [number, number] | null = null;
	if (c.window && c.window.requests < t.minRequests) return {...row, n: c.window.requests, reason: `canary N=${c.window.requests} in ${windowSec} s, need ${t.minRequests} to judge the cache`};
	// A cache warms with the lookups it serves: at 90/10 the canary sees a ninth of stable's.
	// Compared once the canary has served the warm-up, or as many lookups as stable (like with like).
	const lifetime = c.window?.cacheOpsTotal ?? null;
	const stableLifetime = s.window?.cacheOpsTotal ?? null;
	if (lifetime !== null && lifetime < t.cacheWarmupLookups && (stableLifetime === null || lifetime < stableLifetime)) return {...row, n: lifetime, reason: `canary cache warming up: ${Math.round(lifetime)} of ${t.cacheWarmupLookups} lookups since it started`};
	// Both sides from the same source: window ratios, else the engines' own gauges.
	if (s.window?.cacheHitRatio != null && c.window?.cacheHitRatio != null) {
		pair = [s.window.cacheHitRatio, c.window.cacheHitRatio];
		row.n = c.window.requests;
	} else if (s.health?.cacheHitRate != null && c.health?.cacheHitRate != null) pair = [s.health.cacheHitRate, c.health.cacheHitRate];
	if (!pair) return row;
	const [sp, cp] = [pair[0] * 100, pair[1] * 100];
	const drop = sp - cp;
	// A few hundred lookups swing the hit rate by several points: the drop must also beat chance.
	const sOps = s.window?.cacheOps ?? 0;
	const cOps = c.window?.cacheOps ?? 0;
	const z = sOps > 0 && cOps > 0 ? twoProportionZ(Math.round(pair[1] * cOps), cOps, Math.round(pair[0] * sOps), sOps) : null;
	const chance = z !== null && z > -t.zWarn;
	const state: CheckState = drop > t.cacheDropWarnPts && !chance ? 'WARN' : 'PASS';
	const limit = state === 'WARN' ? ` > ${t.cacheDropWarnPts}` : drop > t.cacheDropWarnPts ? ` (within chance: z ${z!.toFixed(2)})` : '';
	const how = drop >= 0 ? `${drop.toFixed(1)} points lower${limit}` : `${(-drop).toFixed(1)} points higher`;
	return {...row, stable: sp, canary: cp, state, reason: `canary cache hit ${cp.toFixed(1)} % vs stable ${sp.toFixed(1)} %: ${how} over ${windowSec} s${row.n !== null ? ` (N=${row.n})` : ''}`};
}

function checkErrors(input: VerdictInput, windowSec: number): Row {
	const t = input.thresholds;
	const p = input.errorPatterns;
	const row: Row = {id: 'errors', label: 'new error patterns', stable: null, canary: null, unit: '', threshold: `warn: new pattern > ${t.newPatternWarnPer1k} per 1k requests (exact test, >= ${t.minEvents} events); fail: critical pattern`, windowSec, n: input.canary.window?.requests ?? null, state: 'NO DATA', reason: 'no log analysis yet'};
	if (!p) return row;
	const above = p.newPatterns.filter((x) => x.canaryPer1k > t.newPatternWarnPer1k).sort((a, b) => b.canaryPer1k - a.canaryPer1k);
	row.canary = above.length + p.critical.length;
	if (p.critical.length > 0) return {...row, state: 'FAIL', reason: `critical error pattern in canary: "${cleanText(p.critical[0].template, 80)}"${p.critical.length > 1 ? ` (+${p.critical.length - 1} more)` : ''}`};
	if (above.length > 0) {
		return {...row, state: 'WARN', reason: `${above.length} new error pattern${above.length > 1 ? 's' : ''} in canary, top "${cleanText(above[0].template, 60)}" at ${above[0].canaryPer1k.toFixed(1)} per 1k > ${t.newPatternWarnPer1k}`};
	}
	return {...row, state: 'PASS', reason: `no new error pattern in canary above ${t.newPatternWarnPer1k} per 1k over ${windowSec} s`};
}

// In the order the overview shows them: a short panel drops the last rows, and the cache is the least urgent.
export const CHECKS = [checkP95, checkP95Relative, check5xx, check5xxRelative, checkMemory, checkHealth, checkRestarts, checkTraffic, checkErrors, checkCache];
