import {test} from 'node:test';
import assert from 'node:assert/strict';
import {TimelineWatch} from '../source/core/monitor/timeline-watch.ts';
import {auditEntry} from '../source/core/change/audit.ts';
import type {Verdict} from '../source/domain/figures.ts';
import type {PatternRow} from '../source/domain/error-diff.ts';
import type {AuditLog} from '../source/core/change/audit.ts';

// What the system did, as timeline events: each on its edge, never once per poll.

const audit: AuditLog = {path: 'mem', append: async () => ({ok: true}), check: async () => ({ok: true}), lastLine: async () => null};

function watch() {
	let now = Date.UTC(2026, 0, 5, 10, 0, 0);
	const notices: string[] = [];
	const w = new TimelineWatch({actions: () => ({audit, busy: false}), console: 'h:1', now: () => now, changed: () => {}, notice: (_level, text) => notices.push(text)});
	const texts = () => w.timeline.events.map((event) => `${event.kind}|${event.source}|${event.text}${event.outcome ? `|${event.outcome}` : ''}`);
	return {w, texts, notices, tick: (ms: number) => (now += ms)};
}

const verdict = (at: number, overall: Verdict['overall'], states: Record<string, string>): Verdict =>
	({overall, reason: `${overall} because`, at, checks: Object.entries(states).map(([id, state]) => ({id, label: id, state}))}) as unknown as Verdict;

test('a check changing state in a recorded window is one event, and so is the overall verdict; unchanged windows add nothing', () => {
	const {w, texts} = watch();
	w.verdict(verdict(1, 'SOAKING', {p95: 'PASS', memory: 'PASS'}));
	w.verdict(verdict(2, 'SOAKING', {p95: 'PASS', memory: 'PASS'}));
	w.verdict(verdict(3, 'HOLD', {p95: 'WARN', memory: 'PASS'}));
	w.verdict(verdict(4, 'HOLD', {p95: 'WARN', memory: 'PASS'}));
	assert.deepEqual(texts(), ['verdict|console|p95 PASS -> WARN', 'verdict|console|verdict SOAKING -> HOLD: HOLD because']);
});

test('health flips, exits, OOM kills and starts, NEW patterns once, a detached config file appearing and clearing', () => {
	const {w, texts} = watch();
	w.healthOf('canary', 'healthy', 1);
	w.healthOf('canary', 'healthy', 2);
	w.healthOf('canary', 'unhealthy', 3);
	w.lifecycle({engine: 'canary', at: 4, kind: 'die', exitCode: 137});
	w.lifecycle({engine: 'canary', at: 5, kind: 'oom'});
	w.lifecycle({engine: 'canary', at: 6, kind: 'start'});
	const row = {id: 't1', template: 'Ephemeris fell back to linear scan', flag: 'NEW', canaryCount: 6} as PatternRow;
	w.newPatterns([row], 7);
	w.newPatterns([row], 8);
	const nginx = {name: 'nginx-canary', found: true, state: 'running', health: 'none' as const, restarts: 0};
	w.services([nginx], 9);
	w.services([{...nginx, problem: 'CONFIG DETACHED: nginx reads the old file'}], 10);
	w.services([{...nginx, problem: 'CONFIG DETACHED: nginx reads the old file'}], 11);
	w.services([nginx], 12);
	assert.deepEqual(texts(), [
		'health|canary|canary health healthy -> unhealthy',
		'lifecycle|canary|canary exited with code 137',
		'lifecycle|canary|canary OOM killed',
		'lifecycle|canary|canary started',
		'pattern|canary|NEW error pattern (6 lines): Ephemeris fell back to linear scan',
		'detached|nginx-canary|nginx-canary: CONFIG DETACHED: nginx reads the old file',
		'detached|nginx-canary|nginx-canary: problem cleared',
	]);
});

test('a Docker host going away is one event for the host (not per container), and one when it answers again', () => {
	const {w, texts} = watch();
	const on = (name: string, host: string) => ({name, found: true, state: 'running', health: 'none' as const, restarts: 0, host});
	const message = 'Docker host unix:///run/b.sock unreachable since 10:00:01: Docker daemon at unix:///run/b.sock refused the connection: it is down or restarting.';
	const down = (name: string) => ({...on(name, 'unix:///run/b.sock'), state: 'unreachable', hostDown: {since: 1, message}});
	w.services([on('engine-stable-1', 'unix:///run/a.sock'), on('engine-stable-2', 'unix:///run/b.sock'), on('engine-canary-2', 'unix:///run/b.sock')], 1);
	w.services([on('engine-stable-1', 'unix:///run/a.sock'), down('engine-stable-2'), down('engine-canary-2')], 2);
	w.services([on('engine-stable-1', 'unix:///run/a.sock'), down('engine-stable-2'), down('engine-canary-2')], 3);
	w.services([on('engine-stable-1', 'unix:///run/a.sock'), on('engine-stable-2', 'unix:///run/b.sock'), on('engine-canary-2', 'unix:///run/b.sock')], 4);
	assert.deepEqual(texts(), [`lifecycle|unix:///run/b.sock|${message}`, 'lifecycle|unix:///run/b.sock|Docker host unix:///run/b.sock answers again']);
});

test('audited actions: who, from, to and outcome; automatic ones marked; a started line waits for its outcome', () => {
	const {w, texts} = watch();
	const at = () => Date.UTC(2026, 0, 5, 10, 0, 0);
	w.audit(auditEntry({action: 'promote', from: '90/10', to: '50/50', outcome: 'started'}, at));
	w.audit({...auditEntry({action: 'promote', from: '90/10', to: '50/50', outcome: 'verified', reason: 'promote 90/10 -> 50/50: VERIFIED 50/50'}, at), user: 'alice', host: 'ops1'});
	w.audit({...auditEntry({action: 'auto-rollback', from: '50/50', to: '100/0', outcome: 'not-verified', reason: 'automatic rollback after 3 failed windows', automatic: true}, at), user: 'alice', host: 'ops1'});
	assert.deepEqual(texts(), ['operator|alice@ops1|promote 90/10 -> 50/50: VERIFIED 50/50|verified', 'automatic|alice@ops1|auto-rollback 50/50 -> 100/0: automatic rollback after 3 failed windows|not-verified']);
});

test('weights changed outside: a warning notice and a timeline event; an audited start says where it came from, with no event', () => {
	const {w, texts, notices} = watch();
	const last = {at: Date.UTC(2026, 0, 5, 9, 0, 0), to: {stable: 50, canary: 50}, action: 'promote' as const, user: 'bob', host: 'ops2'};
	w.dated({kind: 'outside', at: Date.UTC(2026, 0, 5, 10, 0, 0), last}, {stable: 50, canary: 50}, {stable: 75, canary: 25});
	w.dated({kind: 'audited', at: last.at, change: last}, null, {stable: 50, canary: 50});
	assert.equal(texts().length, 1);
	assert.match(texts()[0]!, /^outside\|config file\|weights 50\/50 -> 75\/25 changed outside at \d\d:\d\d, soak restarted \(the audit log's last change set 50\/50 at \d\d:\d\d, by bob@ops2\)$/);
	assert.equal(notices.length, 2);
	assert.match(notices[1]!, /^stage 50\/50 since \d\d:\d\d \(promote by bob@ops2, from the audit log\)$/);
});
