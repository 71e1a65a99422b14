// The Markdown report (`canary-console report`, and on exit when asked): what happened to the
// rollout, from the audit log and the console's own history, in a form to paste into a
// ticket or a post-mortem.

import type {AuditEntry} from '../change/audit.ts';
import type {Snapshot} from '../monitor/snapshot.ts';
import type {SeriesPoint} from '../monitor/engine-poller.ts';
import type {Overall} from '../../domain/figures.ts';
import type {TimelineEvent} from '../monitor/timeline.ts';
import {formatSplit} from '../../domain/upstream.ts';

export interface VerdictPoint {
	at: number;
	overall: Overall;
	reason?: string;
}

export interface ReportInput {
	/** Parsed audit lines, oldest first. */
	audit: AuditEntry[];
	/** Lines of the audit file that were not audit entries. */
	unreadable?: number;
	/** Why there is no audit (missing file...), shown instead of the timeline. */
	auditProblem?: string | null;
	auditPath: string;
	verdictHistory: readonly VerdictPoint[];
	snapshot: Snapshot;
	/** When the report is written; default snapshot.at. */
	now?: number;
}

const OVERALLS: Overall[] = ['READY TO PROMOTE', 'SOAKING', 'HOLD', 'ROLL BACK', 'INCONCLUSIVE', 'ROLLED BACK'];

/** Text from logs and files is hostile: one line, no control characters, no table breaks, no HTML. */
export function mdCell(text: unknown, max = 160): string {
	const flat = String(text ?? '')
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
		.replace(/\\/g, '\\\\')
		.replace(/\|/g, '\\|')
		.replace(/`/g, "'")
		// '<' alone starts a tag or an autolink; '>' is harmless inside a line.
		.replace(/</g, '&lt;')
		.trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const num = (value: number | null, digits = 1) => (value === null || !Number.isFinite(value) ? '-' : String(Number(value.toFixed(digits))));

/** The audit log's lines as entries; lines that are not entries are counted, not thrown. */
export function parseAudit(text: string): {entries: AuditEntry[]; unreadable: number} {
	const entries: AuditEntry[] = [];
	let unreadable = 0;
	for (const line of text.split('\n')) {
		if (line.trim() === '') continue;
		try {
			const entry = JSON.parse(line) as AuditEntry;
			if (typeof entry?.time !== 'string' || typeof entry.action !== 'string') throw new Error('not an audit entry');
			entries.push(entry);
		} catch {
			unreadable++;
		}
	}
	return {entries, unreadable};
}

function timeline(input: ReportInput): string[] {
	const out = ['## Timeline of stages and actions', ''];
	if (input.auditProblem) return [...out, `_${mdCell(input.auditProblem, 300)}_`, ''];
	// A 'started' line is followed by its outcome; alone it marks an attempt that was interrupted.
	const shown = input.audit.filter((entry, index) => entry.outcome !== 'started' || !input.audit.slice(index + 1).some((later) => later.action === entry.action && later.to === entry.to && later.outcome !== 'started'));
	if (shown.length === 0) out.push(`No weight change in ${mdCell(input.auditPath)}.`);
	else {
		out.push('| time | action | change | outcome | by | reason |', '|---|---|---|---|---|---|');
		for (const e of shown) {
			const outcome = e.outcome === 'started' ? 'interrupted (started, no outcome)' : e.outcome;
			const by = `${mdCell(e.user, 40)}@${mdCell(e.host, 40)}${e.automatic ? ' (automatic)' : ''}`;
			out.push(`| ${mdCell(e.time, 30)} | ${mdCell(e.action, 20)} | ${mdCell(e.from, 12)} → ${mdCell(e.to, 12)} | ${mdCell(outcome, 40)} | ${by} | ${mdCell(e.reason)} |`);
		}
		const stages = shown.filter((e) => e.outcome === 'verified' || e.outcome === 'not-verified').map((e) => `${mdCell(e.to, 12)}${e.outcome === 'not-verified' ? ' (not verified)' : ''}`);
		if (stages.length > 0) out.push('', `Stages: ${[mdCell(shown.find((e) => e.outcome === 'verified' || e.outcome === 'not-verified')!.from, 12), ...stages].join(' → ')}`);
	}
	if (input.unreadable) out.push('', `${input.unreadable} line${input.unreadable > 1 ? 's' : ''} of the audit log could not be read and ${input.unreadable > 1 ? 'were' : 'was'} skipped.`);
	return [...out, ''];
}

function verdicts(history: readonly VerdictPoint[]): string[] {
	const out = ['## Verdict history', ''];
	if (history.length === 0) return [...out, 'No analysis window was recorded.', ''];
	const counts = new Map<Overall, number>(OVERALLS.map((o) => [o, 0]));
	for (const point of history) counts.set(point.overall, (counts.get(point.overall) ?? 0) + 1);
	out.push(`${history.length} analysis windows from ${iso(history[0].at)} to ${iso(history.at(-1)!.at)}.`, '');
	out.push('| verdict | windows | share |', '|---|---:|---:|');
	for (const [overall, count] of counts) out.push(`| ${overall} | ${count} | ${num((count / history.length) * 100, 0)} % |`);
	const changes: string[] = [];
	for (let i = 1; i < history.length; i++) {
		if (history[i].overall !== history[i - 1].overall) {
			const why = history[i].reason ? `: ${mdCell(history[i].reason, 200)}` : '';
			changes.push(`- ${iso(history[i].at)} ${history[i - 1].overall} → ${history[i].overall}${why}`);
		}
	}
	out.push('', changes.length === 0 ? `No change: ${history[0].overall} throughout.` : `Changes (${changes.length}):`);
	if (changes.length > 30) out.push(...changes.slice(0, 10), `- … ${changes.length - 20} more …`, ...changes.slice(-10));
	else out.push(...changes);
	return [...out, ''];
}

function peak(series: readonly SeriesPoint[], field: 'p95Ms' | 'ratio5xx' | 'memPercent' | 'rps'): {value: number; at: number} | null {
	let best: {value: number; at: number} | null = null;
	for (const point of series) {
		const value = point[field];
		if (value !== null && Number.isFinite(value) && (best === null || value > best.value)) best = {value, at: point.at};
	}
	return best;
}

function peaks(snapshot: Snapshot): string[] {
	const out = ['## Peak figures per engine', '', `Over the last ${snapshot.historyMinutes} minutes the console kept (window ${snapshot.windowSec} s).`, ''];
	out.push('| engine | p95 latency | 5xx rate | memory | requests/s |', '|---|---:|---:|---:|---:|');
	for (const role of ['stable', 'canary'] as const) {
		const series = snapshot.engines[role].series;
		const cell = (field: Parameters<typeof peak>[1], scale: number, unit: string, digits = 1) => {
			const p = peak(series, field);
			return p === null ? '-' : `${num(p.value * scale, digits)}${unit} at ${iso(p.at).slice(11)}`;
		};
		out.push(`| ${role} | ${cell('p95Ms', 1, ' ms')} | ${cell('ratio5xx', 100, ' %', 2)} | ${cell('memPercent', 1, ' %')} | ${cell('rps', 1, '')} |`);
	}
	return [...out, ''];
}

function patterns(snapshot: Snapshot): string[] {
	const out = ['## Top error patterns', ''];
	const rows = snapshot.patterns.slice(0, 10);
	if (rows.length === 0) return [...out, 'No warning or error pattern in the logs.', ''];
	out.push('| flag | level | stable /1k | canary /1k | stable | canary | pattern |', '|---|---|---:|---:|---:|---:|---|');
	for (const row of rows) {
		const flag = `${row.flag}${row.critical ? ' critical' : ''}${row.verdict ? ` (${row.verdict})` : ''}`;
		out.push(`| ${flag} | ${mdCell(row.level, 10)} | ${num(row.stablePer1k, 2)} | ${num(row.canaryPer1k, 2)} | ${row.stableCount} | ${row.canaryCount} | ${mdCell(row.template, 200)} |`);
	}
	return [...out, ''];
}

const KIND_WORDS: Record<TimelineEvent['kind'], string> = {
	operator: 'action',
	automatic: 'automatic',
	verdict: 'verdict',
	health: 'health',
	lifecycle: 'runtime',
	outside: 'changed outside',
	detached: 'service',
	pattern: 'error pattern',
	note: 'note',
};

/** The deployment's timeline (actions, what the system did, notes), newest REPORT_EVENTS. */
function events(list: readonly TimelineEvent[]): string[] {
	const out = ['## Timeline of the deployment', ''];
	if (list.length === 0) return [...out, 'Nothing recorded in the timeline.', ''];
	const shown = list.slice(-REPORT_EVENTS);
	if (shown.length < list.length) out.push(`The newest ${shown.length} of ${list.length} events.`, '');
	out.push('| time | what | who | outcome | event |', '|---|---|---|---|---|');
	for (const e of shown) out.push(`| ${iso(e.at)} | ${KIND_WORDS[e.kind] ?? mdCell(e.kind, 20)} | ${mdCell(e.source, 60)} | ${mdCell(e.outcome ?? '', 20)} | ${mdCell(e.text, 300)} |`);
	const notes = shown.filter((e) => e.kind === 'note');
	if (notes.length > 0) out.push('', '### Notes', '', ...notes.map((e) => `- ${iso(e.at)} ${mdCell(e.source, 60)}: ${mdCell(e.text, 500)}`));
	return [...out, ''];
}

const REPORT_EVENTS = 500;

export function renderReport(input: ReportInput): string {
	const {snapshot} = input;
	const verdict = snapshot.verdict;
	const split = snapshot.split.configured ? formatSplit(snapshot.split.configured) : 'unknown';
	const lines = [
		'# Canary rollout report',
		'',
		`- Written: ${iso(input.now ?? snapshot.at)}`,
		`- Watched: ${iso(snapshot.startedAt)} to ${iso(snapshot.at)} on ${mdCell(snapshot.runtime.describe, 120)}`,
		`- Split now: ${split}${snapshot.stage.index !== null ? ` (stage ${snapshot.stage.index + 1} of ${snapshot.stage.of})` : ''}`,
		`- Verdict now: ${verdict ? `**${verdict.overall}**: ${mdCell(verdict.reason, 300)}` : 'none yet'}`,
		`- Versions: stable ${mdCell(snapshot.engines.stable.health?.version ?? '?', 40)}, canary ${mdCell(snapshot.engines.canary.health?.version ?? '?', 40)}`,
		`- Audit log: ${mdCell(input.auditPath, 200)}`,
		'',
		...timeline(input),
		...events(snapshot.timeline ?? []),
		...verdicts(input.verdictHistory),
		...peaks(snapshot),
		...patterns(snapshot),
	];
	return lines.join('\n');
}
