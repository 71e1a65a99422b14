// Turns what the Monitor sees into timeline events, each on its edge: a check's state changing
// in a recorded window, an engine's health flipping, the runtime killing or restarting an
// engine, a NEW error pattern, a service's problem (a detached config file) appearing, a Docker
// host going away or coming back, and every audited action (who, from, to, outcome).

import {auditEntry, currentUser, type AuditEntry, type AuditLog, type AuditWrite} from '../change/audit.ts';
import {hostname} from 'node:os';
import type {LifecycleEvent} from '../types.ts';
import type {Verdict} from '../../domain/figures.ts';
import type {PatternRow} from '../../domain/error-diff.ts';
import type {ServiceView} from './snapshot.ts';
import {Timeline, type TimelineOptions} from './timeline.ts';
import {lastAuditedChange, stageNotice, type AuditedChange, type StageStart} from './stage-clock.ts';
import type {StageDating} from './weights-watch.ts';
import type {EngineRole} from '../types.ts';
import {formatSplit, type Split} from '../../domain/upstream.ts';

/** Templates remembered as announced; older ones may be announced again. */
const MAX_PATTERNS = 500;

const cut = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface TimelineWatchDeps extends Omit<TimelineOptions, 'file'> {
	/** The weight flow's state: its (observed) audit log, the timeline file, whether it is applying. */
	actions: () => {audit: AuditLog; events?: TimelineOptions['file']; busy: boolean};
	notice: (level: 'info' | 'warn', text: string) => void;
}

export class TimelineWatch implements StageDating {
	readonly timeline: Timeline;
	private readonly checks = new Map<string, string>();
	private overall: string | null = null;
	private readonly health = new Map<string, string>();
	private readonly patterns = new Set<string>();
	private readonly problems = new Map<string, string>();
	/** Docker hosts seen unreachable, with the message they went down with. */
	private readonly hostsDown = new Map<string, string>();

	constructor(private readonly deps: TimelineWatchDeps) {
		this.timeline = new Timeline({...deps, file: deps.actions().events});
	}

	async audited(): Promise<AuditedChange | null> {
		return lastAuditedChange((await this.deps.actions().audit.tail?.()) ?? []);
	}

	applying(): boolean {
		return this.deps.actions().busy;
	}

	/** Engines' health and NEW patterns after a poll. */
	polled(health: Record<EngineRole, string | undefined>, patterns: readonly PatternRow[], at: number): void {
		for (const role of ['stable', 'canary'] as const) this.healthOf(role, health[role], at);
		this.newPatterns(patterns, at);
	}

	/**
	 * A person's note: audited, then on the timeline (and from there to the webhooks). Bad
	 * input (empty, control characters) is refused with the reason, nothing is lost.
	 */
	async note(raw: string, configured: Split | null, now: number): Promise<AuditWrite> {
		const split = configured ? formatSplit(configured) : '?';
		const audit = this.deps.actions().audit;
		const text = raw.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 500);
		if (!text) return {ok: false, message: 'an empty note was not added'};
		const written = await audit.append(auditEntry({action: 'note', from: split, to: split, outcome: 'noted', reason: text}, () => now));
		this.timeline.add({at: now, kind: 'note', source: `${currentUser()}@${hostname()}`, text});
		await this.timeline.written();
		return written.ok ? written : {ok: false, message: `note added to the timeline; ${written.message}`};
	}

	/** Where the stage was found to start: a notice, and an event when the weights changed outside. */
	dated(start: StageStart, from: Split | null, to: Split): void {
		const said = stageNotice(start, from, to);
		if (!said) return;
		this.deps.notice(said.level, said.text);
		if (start.kind === 'outside') this.timeline.add({kind: 'outside', source: 'config file', text: said.text});
	}

	/** An audit entry this console wrote: the outcome of an action ('started' waits for it). */
	audit(entry: AuditEntry): void {
		if (entry.outcome === 'started' || entry.action === 'note') return;
		const by = `${entry.user}@${entry.host}`;
		const change = entry.action === 'restart-proxy' ? `restart-proxy (${entry.from} -> ${entry.to})` : `${entry.action} ${entry.from} -> ${entry.to}`;
		this.timeline.add({
			at: Date.parse(entry.time) || undefined,
			kind: entry.automatic ? 'automatic' : 'operator',
			source: by,
			text: cut(entry.reason ? `${change}: ${entry.reason.startsWith(`${change}: `) ? entry.reason.slice(change.length + 2) : entry.reason}` : change, 300),
			outcome: entry.outcome,
		});
	}

	/** A recorded verdict window: each check whose state changed, and the overall verdict. */
	verdict(verdict: Verdict): void {
		for (const row of verdict.checks) {
			const before = this.checks.get(row.id);
			this.checks.set(row.id, row.state);
			if (before === undefined || before === row.state) continue;
			this.timeline.add({at: verdict.at, kind: 'verdict', source: 'console', text: `${row.label} ${before} -> ${row.state}`});
		}
		if (this.overall !== null && this.overall !== verdict.overall) {
			this.timeline.add({at: verdict.at, kind: 'verdict', source: 'console', text: cut(`verdict ${this.overall} -> ${verdict.overall}: ${verdict.reason}`)});
		}
		this.overall = verdict.overall;
	}

	/** An engine's /healthz status; the first reading sets the baseline. */
	healthOf(role: string, status: string | undefined, at: number): void {
		if (!status) return;
		const before = this.health.get(role);
		this.health.set(role, status);
		if (before !== undefined && before !== status) this.timeline.add({at, kind: 'health', source: role, text: `${role} health ${before} -> ${status}`});
	}

	lifecycle(event: LifecycleEvent): void {
		const text =
			event.kind === 'oom' ? `${event.engine} OOM killed` : event.kind === 'die' ? `${event.engine} exited${event.exitCode !== null && event.exitCode !== undefined ? ` with code ${event.exitCode}` : ''}` : `${event.engine} started`;
		this.timeline.add({at: event.at, kind: 'lifecycle', source: event.engine, text});
	}

	/** NEW patterns, once each. */
	newPatterns(rows: readonly PatternRow[], at: number): void {
		for (const row of rows) {
			if (row.flag !== 'NEW' || this.patterns.has(row.id)) continue;
			if (this.patterns.size >= MAX_PATTERNS) this.patterns.clear();
			this.patterns.add(row.id);
			this.timeline.add({at, kind: 'pattern', source: 'canary', text: cut(`NEW error pattern (${row.canaryCount} lines): ${row.template}`)});
		}
	}

	/** A service's problem appearing or clearing (nginx reading a detached config file). */
	services(list: readonly ServiceView[], at: number): void {
		// A Docker host going away or coming back is one event for the host, not one per container.
		const down = new Map<string, string>();
		for (const service of list) if (service.host && service.hostDown) down.set(service.host, service.hostDown.message);
		for (const [host, message] of down) {
			if (!this.hostsDown.has(host)) this.timeline.add({at, kind: 'lifecycle', source: host, text: cut(message, 300)});
		}
		for (const host of this.hostsDown.keys()) {
			if (!down.has(host) && list.some((service) => service.host === host)) this.timeline.add({at, kind: 'lifecycle', source: host, text: `Docker host ${host} answers again`});
		}
		this.hostsDown.clear();
		for (const [host, message] of down) this.hostsDown.set(host, message);
		for (const service of list) {
			const problem = service.problem ?? '';
			const before = this.problems.get(service.name) ?? '';
			this.problems.set(service.name, problem);
			if (problem === before) continue;
			if (problem) this.timeline.add({at, kind: 'detached', source: service.name, text: cut(`${service.name}: ${problem}`, 300)});
			else this.timeline.add({at, kind: 'detached', source: service.name, text: `${service.name}: problem cleared`});
		}
	}
}
