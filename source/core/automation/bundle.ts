// The incident bundle's contents: everything about the last minutes of a rollout in a few
// plain files, for the incident channel. Built from what the console holds (log lines, series,
// verdicts, patterns, timeline) and what it reads (the audit log, nginx's config as nginx sees
// it). Environment values never go in: no file here holds an engine's or a container's
// environment, only figures and the engines' own log lines.

import type {Snapshot} from '../monitor/snapshot.ts';
import type {StoredEvent} from '../monitor/log-store.ts';
import type {TimelineEvent} from '../monitor/timeline.ts';
import {formatSplit} from '../../domain/upstream.ts';
import {mdCell} from './report.ts';

export interface BundleInput {
	snapshot: Snapshot;
	/** Start of the span, ms since epoch. */
	since: number;
	/** Audit log lines (JSON), oldest first. */
	audit: readonly string[];
	/** nginx's config as the proxy sees it, or why it could not be read. */
	nginx: {text: string} | {error: string};
	/** Example lines kept per error pattern. Default 3. */
	examples?: number;
	/** Files only the runtime can add (Docker: inspect of each service, env redacted; nginx -T). */
	extra?: readonly BundleFile[];
}

export interface BundleFile {
	name: string;
	content: string;
}

/** A file of the archive: its text, or for a big one its chunks, made when the writer asks (it may ask twice). */
export interface ArchiveFile {
	name: string;
	content: string | {chunks: () => Iterable<string>};
}

/** Log lines per chunk of a log file: the writer pauses between chunks for the screen. */
const CHUNK_LINES = 5000;

const iso = (ms: number) => new Date(ms).toISOString();
const csvCell = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** An engine's lines in the span, as chunks; `events` is a copy, so new lines do not move it. */
function logFile(events: readonly StoredEvent[], since: number): ArchiveFile['content'] {
	const first = firstAt(events, since);
	if (first >= events.length) return '';
	return {
		*chunks() {
			for (let from = first; from < events.length; from += CHUNK_LINES) {
				const lines: string[] = [];
				for (let i = from; i < Math.min(events.length, from + CHUNK_LINES); i++) {
					const event = events[i]!;
					lines.push(event.gap ? `# ${iso(event.time)} gap: ${event.gap}` : event.raw);
				}
				yield `${lines.join('\n')}\n`;
			}
		},
	};
}

/** The index of the first event at or after `since` (events are in time order). */
function firstAt(events: readonly StoredEvent[], since: number): number {
	let low = 0;
	let high = events.length;
	while (low < high) {
		const middle = (low + high) >> 1;
		if (events[middle]!.time < since) low = middle + 1;
		else high = middle;
	}
	return low;
}

function seriesCsv(snapshot: Snapshot, since: number): string {
	const rows = ['time,engine,p95_ms,ratio_5xx,mem_percent,rps'];
	for (const role of ['stable', 'canary'] as const) {
		for (const point of snapshot.engines[role].series) {
			if (point.at < since) continue;
			rows.push([iso(point.at), role, point.p95Ms, point.ratio5xx, point.memPercent, point.rps].map(csvCell).join(','));
		}
	}
	return rows.join('\n');
}

/** Each pattern with its newest example lines in the span: read from the newest line back, only as far as it takes. */
function patterns(snapshot: Snapshot, since: number, examples: number, logs: Record<'stable' | 'canary', readonly StoredEvent[]>) {
	const found = new Map<string, StoredEvent[]>(snapshot.patterns.map((row) => [row.id, []]));
	let missing = found.size;
	for (const events of [logs.stable, logs.canary]) {
		for (let i = events.length - 1; i >= 0 && missing > 0; i--) {
			const event = events[i]!;
			if (event.time < since) break;
			const list = event.templateId ? found.get(event.templateId) : undefined;
			if (!list || list.length >= examples * 2) continue;
			list.push(event);
			if (list.length === examples * 2) missing--;
		}
	}
	return snapshot.patterns.map((row) => ({
		...row,
		// The newest of both engines, oldest first.
		examples: (found.get(row.id) ?? [])
			.sort((a, b) => a.time - b.time)
			.slice(-examples)
			.map((event) => ({engine: event.engine, time: iso(event.time), line: event.raw})),
	}));
}

function auditSince(lines: readonly string[], since: number): string[] {
	return lines.filter((line) => {
		try {
			return Date.parse((JSON.parse(line) as {time?: string}).time ?? '') >= since;
		} catch {
			return false;
		}
	});
}

/** Said when the span reaches back before the oldest line the console still keeps (its bound). */
function keptNote(snapshot: Snapshot, since: number): string[] {
	return (['stable', 'canary'] as const).flatMap((role) => {
		const oldest = snapshot.logs.rings[role].slice(0, 1)[0];
		if (!oldest || snapshot.logs.notKept(role) === 0 || oldest.time <= since) return [];
		return [`- Log lines of ${role} from ${iso(oldest.time)}: the console keeps the newest ${snapshot.logs.history.toLocaleString('en-US')} per engine, ${snapshot.logs.notKept(role).toLocaleString('en-US')} older ones are not in the bundle`];
	});
}

function readme(input: BundleInput, timeline: readonly TimelineEvent[]): string {
	const {snapshot, since} = input;
	const verdict = snapshot.verdict;
	const split = snapshot.split.configured ? formatSplit(snapshot.split.configured) : 'unknown';
	const top = snapshot.patterns.slice(0, 5);
	return [
		'# Canary incident bundle',
		'',
		`- Span: ${iso(since)} to ${iso(snapshot.at)}`,
		`- Deployment: ${mdCell(snapshot.runtime.describe, 120)}; proxy ${mdCell(snapshot.proxy, 80)}`,
		`- Split: ${split}${snapshot.stage.index !== null ? ` (stage ${snapshot.stage.index + 1} of ${snapshot.stage.of})` : ''}; stage since ${iso(snapshot.stage.enteredAt)}`,
		`- Verdict: ${verdict ? `**${verdict.overall}**: ${mdCell(verdict.reason, 300)}` : 'none yet'}`,
		`- Versions: stable ${mdCell(snapshot.engines.stable.health?.version ?? '?', 40)}, canary ${mdCell(snapshot.engines.canary.health?.version ?? '?', 40)}`,
		...keptNote(snapshot, since),
		'',
		'## Top error patterns',
		'',
		...(top.length === 0 ? ['None in the window.'] : top.map((row) => `- ${row.flag} stable ${row.stableCount}, canary ${row.canaryCount}: ${mdCell(row.template, 200)}`)),
		'',
		'## Timeline in the span',
		'',
		...(timeline.length === 0 ? ['Nothing recorded.'] : timeline.map((event) => `- ${iso(event.at)} ${event.kind} ${mdCell(event.source, 60)}${event.outcome ? ` (${mdCell(event.outcome, 20)})` : ''}: ${mdCell(event.text, 300)}`)),
		'',
		'## Files',
		'',
		'- `logs/stable.log`, `logs/canary.log`: the engines\' raw log lines in the span (as kept by the console)',
		'- `series.csv`: p95, 5xx ratio, memory and requests per second of each engine, per poll',
		'- `verdicts.json`: the verdict now (every check) and the recorded windows',
		'- `patterns.json`: the error patterns, canary against stable, with example lines',
		'- `nginx.conf`: the config as nginx itself reads it',
		'- `stats.json`: the newest resource readings and lifecycle of each engine, and the services',
		'- `timeline.jsonl`, `audit.jsonl`: the deployment\'s timeline and audit log in the span',
		...(input.extra?.length ? ['- `docker/*.inspect.json`: docker inspect of each service, environment values redacted; `nginx-T.txt`: nginx -T'] : []),
		'',
	].join('\n');
}

/** The files of the bundle, named under one folder. */
export function bundleFiles(input: BundleInput, folder: string): ArchiveFile[] {
	const {snapshot, since} = input;
	const timeline = snapshot.timeline.filter((event) => event.at >= since);
	// A copy of the kept lines now: the archive is written in pieces while new lines arrive.
	const logs = {stable: snapshot.logs.rings.stable.toArray(), canary: snapshot.logs.rings.canary.toArray()};
	const engine = (role: 'stable' | 'canary') => {
		const view = snapshot.engines[role];
		return {url: view.url, condition: view.condition, health: view.health, figures: view.figures, resources: view.resources, lifecycle: view.lifecycle};
	};
	const files: ArchiveFile[] = [
		{name: 'README.md', content: readme(input, timeline)},
		{name: 'logs/stable.log', content: logFile(logs.stable, since)},
		{name: 'logs/canary.log', content: logFile(logs.canary, since)},
		{name: 'series.csv', content: seriesCsv(snapshot, since)},
		{name: 'verdicts.json', content: JSON.stringify({now: snapshot.verdict, windows: snapshot.verdictHistory.filter((window) => window.at >= since)}, null, 2)},
		{name: 'patterns.json', content: JSON.stringify(patterns(snapshot, since, input.examples ?? 3, logs), null, 2)},
		{name: 'nginx.conf', content: 'text' in input.nginx ? input.nginx.text : `# not read: ${input.nginx.error}\n`},
		{name: 'stats.json', content: JSON.stringify({stable: engine('stable'), canary: engine('canary'), services: snapshot.services.map(({name, found, state, health, restarts, problem}) => ({name, found, state, health, restarts, problem}))}, null, 2)},
		{name: 'timeline.jsonl', content: timeline.map((event) => JSON.stringify(event)).join('\n')},
		{name: 'audit.jsonl', content: auditSince(input.audit, since).join('\n')},
		...(input.extra ?? []),
	];
	const ended = (content: ArchiveFile['content']) => (typeof content !== 'string' || content.endsWith('\n') || content === '' ? content : `${content}\n`);
	return files.map((file) => ({name: `${folder}/${file.name}`, content: ended(file.content)}));
}
