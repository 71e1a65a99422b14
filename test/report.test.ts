import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {mdCell, renderReport, type VerdictPoint} from '../source/core/automation/report.ts';
import {writeReport} from '../source/adapters/files/report-file.ts';
import type {AuditEntry} from '../source/core/change/audit.ts';
import type {Snapshot} from '../source/core/monitor/snapshot.ts';
import type {PatternRow} from '../source/domain/error-diff.ts';

const T0 = Date.UTC(2025, 5, 1, 10, 0, 0);
const at = (minutes: number) => T0 + minutes * 60_000;

function entry(fields: Partial<AuditEntry>): AuditEntry {
	return {time: new Date(T0).toISOString(), user: 'ops', host: 'bastion', action: 'promote', from: '90/10', to: '50/50', outcome: 'verified', verification: null, reason: '', automatic: false, verdict: null, ...fields};
}

const AUDIT: AuditEntry[] = [
	entry({time: new Date(at(1)).toISOString(), action: 'promote', from: '100/0', to: '90/10', outcome: 'started', reason: 'promote 100/0 -> 90/10'}),
	entry({time: new Date(at(1)).toISOString(), action: 'promote', from: '100/0', to: '90/10', outcome: 'verified', reason: 'promote 100/0 -> 90/10: observed 90/10'}),
	entry({time: new Date(at(30)).toISOString(), action: 'promote', from: '90/10', to: '50/50', outcome: 'verified', reason: 'promote 90/10 -> 50/50: observed 50/50'}),
	entry({time: new Date(at(41)).toISOString(), action: 'auto-rollback', from: '50/50', to: '100/0', outcome: 'verified', automatic: true, user: 'ops', reason: 'automatic rollback after 3 failed windows in a row: canary p95 412 ms > 300 ms | x'}),
	entry({time: new Date(at(50)).toISOString(), action: 'set', from: '100/0', to: '75/25', outcome: 'started', reason: 'set 100/0 -> 75/25'}),
];

function point(minute: number, p95Ms: number | null, ratio5xx: number | null, memPercent: number | null, rps: number | null) {
	return {at: at(minute), p95Ms, ratio5xx, memPercent, rps};
}

function pattern(fields: Partial<PatternRow>): PatternRow {
	return {id: 'x', template: 'Request rejected: <*>', level: 'WARN', stableCount: 10, canaryCount: 12, stablePer1k: 5, canaryPer1k: 6, ratio: 1.2, firstSeen: T0, lastSeen: T0, flag: 'SAME', upFactor: null, critical: false, verdict: null, example: '', exampleEngine: 'canary', ...fields};
}

function snapshot(): Snapshot {
	const engine = (role: 'stable' | 'canary', series: ReturnType<typeof point>[], version: string) => ({role, url: '', probe: {state: 'ok'}, health: {version}, figures: null, resources: null, resourcesError: null, series, logs: {}});
	return {
		at: at(55),
		startedAt: at(0),
		runtime: {kind: 'lab', describe: 'lab (local)'},
		proxy: 'lab balancer',
		engines: {
			stable: engine('stable', [point(40, 20, 0, 30, 18), point(41, 25.25, 0.001, 31, 22), point(42, null, null, null, null)], '1.1.0'),
			canary: engine('canary', [point(39, 60, 0, 40, 2), point(40, 412.5, 0.0125, 41.2, 2.5), point(41, 390, 0.02, 40, 1)], '1.2.0'),
		},
		balancer: {url: '', health: null},
		split: {configured: {stable: 100, canary: 0}, configError: null, observed: null, sampledAt: null, sampling: false, fromMetrics: null},
		stage: {index: null, of: 3, enteredAt: at(41), soakMs: 0},
		verdict: {overall: 'INCONCLUSIVE', reason: 'too little data: canary N=0', checks: [], at: at(55)},
		verdictHistory: [],
		patterns: [
			pattern({id: 'a', template: 'Traceback: KeyError <*> in <script>|ephemeris', level: 'ERROR', stableCount: 0, canaryCount: 40, stablePer1k: 0, canaryPer1k: 8.5, flag: 'NEW', critical: true, verdict: 'FAIL'}),
			pattern({id: 'b'}),
		],
		notices: [],
		weightChanges: [],
		auditPath: 'audit.jsonl',
		windowSec: 60,
		historyMinutes: 15,
	} as unknown as Snapshot;
}

const HISTORY: VerdictPoint[] = [
	{at: at(31), overall: 'INCONCLUSIVE', reason: 'too little data'},
	{at: at(32), overall: 'READY TO PROMOTE', reason: 'all checks pass'},
	{at: at(33), overall: 'READY TO PROMOTE'},
	{at: at(39), overall: 'HOLD', reason: 'canary p95 412 ms > 300 ms; failure 1 of 3'},
	{at: at(40), overall: 'HOLD'},
	{at: at(41), overall: 'ROLL BACK', reason: 'failed 3 of 3 windows in a row'},
	{at: at(42), overall: 'INCONCLUSIVE', reason: 'too little data: canary N=0'},
];

test('writeReport: timeline from the audit log, verdict counts and changes, peaks per engine, top patterns', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'report-test-'));
	try {
		const auditPath = join(dir, 'audit.jsonl');
		await writeFile(auditPath, AUDIT.map((e) => JSON.stringify(e)).join('\n') + '\nnot json at all\n\n');
		const path = join(dir, 'out', 'report.md');
		const markdown = await writeReport({auditPath, verdictHistory: HISTORY, snapshot: snapshot(), path});
		assert.equal(await readFile(path, 'utf8'), markdown);
		const lines = markdown.split('\n');
		const has = (line: string) => assert.ok(lines.includes(line), `missing line:\n${line}\n--- in ---\n${markdown}`);

		assert.equal(lines[0], '# Canary rollout report');
		has('- Watched: 2025-06-01T10:00:00Z to 2025-06-01T10:55:00Z on lab (local)');
		has('- Split now: 100/0');
		has('- Verdict now: **INCONCLUSIVE**: too little data: canary N=0');
		has('- Versions: stable 1.1.0, canary 1.2.0');

		// Timeline: the started line of a finished change is folded into its outcome; the lone
		// started line is an interrupted attempt.
		has('| 2025-06-01T10:01:00.000Z | promote | 100/0 → 90/10 | verified | ops@bastion | promote 100/0 -> 90/10: observed 90/10 |');
		has('| 2025-06-01T10:41:00.000Z | auto-rollback | 50/50 → 100/0 | verified | ops@bastion (automatic) | automatic rollback after 3 failed windows in a row: canary p95 412 ms > 300 ms \\| x |');
		has('| 2025-06-01T10:50:00.000Z | set | 100/0 → 75/25 | interrupted (started, no outcome) | ops@bastion | set 100/0 -> 75/25 |');
		assert.equal(lines.filter((l) => l.includes('| promote | 100/0 → 90/10 |')).length, 1);
		has('Stages: 100/0 → 90/10 → 50/50 → 100/0');
		has('1 line of the audit log could not be read and was skipped.');

		has('7 analysis windows from 2025-06-01T10:31:00Z to 2025-06-01T10:42:00Z.');
		has('| READY TO PROMOTE | 2 | 29 % |');
		has('| HOLD | 2 | 29 % |');
		has('| ROLL BACK | 1 | 14 % |');
		has('| INCONCLUSIVE | 2 | 29 % |');
		has('Changes (4):');
		has('- 2025-06-01T10:39:00Z READY TO PROMOTE → HOLD: canary p95 412 ms > 300 ms; failure 1 of 3');
		has('- 2025-06-01T10:41:00Z HOLD → ROLL BACK: failed 3 of 3 windows in a row');

		has('| stable | 25.3 ms at 10:41:00Z | 0.1 % at 10:41:00Z | 31 % at 10:41:00Z | 22 at 10:41:00Z |');
		has('| canary | 412.5 ms at 10:40:00Z | 2 % at 10:41:00Z | 41.2 % at 10:40:00Z | 2.5 at 10:40:00Z |');

		has('| NEW critical (FAIL) | ERROR | 0 | 8.5 | 0 | 40 | Traceback: KeyError &lt;*> in &lt;script>\\|ephemeris |');
		has('| SAME | WARN | 5 | 6 | 10 | 12 | Request rejected: &lt;*> |');
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('a missing audit log and an empty history are said plainly', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'report-test-'));
	try {
		const empty = {...snapshot(), patterns: [], engines: {...snapshot().engines, canary: {...snapshot().engines.canary, series: []}}} as Snapshot;
		const markdown = await writeReport({auditPath: join(dir, 'none.jsonl'), verdictHistory: [], snapshot: empty, path: join(dir, 'r.md')});
		assert.match(markdown, /^_no audit log at .*none\.jsonl: no weight change was made with it_$/m);
		assert.match(markdown, /^No analysis window was recorded\.$/m);
		assert.match(markdown, /^\| canary \| - \| - \| - \| - \|$/m);
		assert.match(markdown, /^No warning or error pattern in the logs\.$/m);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('hostile text cannot break the Markdown: one line, no HTML, no table breaks, bounded', () => {
	assert.equal(mdCell('a|b\nc\u001b[31m<img src=x>`code`'), 'a\\|b c [31m&lt;img src=x>\'code\'');
	assert.equal(mdCell('x'.repeat(500), 10).length, 10);
	const markdown = renderReport({audit: [], auditPath: 'a', verdictHistory: [{at: T0, overall: 'HOLD'}], snapshot: snapshot()});
	assert.match(markdown, /^No weight change in a\.$/m);
	assert.match(markdown, /^No change: HOLD throughout\.$/m);
});

test('the report has the deployment timeline in order, with who, outcome and the notes; hostile text stays in its cell', () => {
	const timeline = [
		{at: at(40), kind: 'operator', source: 'alice@ops1', text: 'promote 90/10 -> 50/50: VERIFIED 50/50', outcome: 'verified', console: 'ops1:1'},
		{at: at(41), kind: 'lifecycle', source: 'canary', text: 'canary OOM killed', console: 'ops1:1'},
		{at: at(42), kind: 'operator', source: 'alice@ops1', text: 'rollback 50/50 -> 100/0', outcome: 'verified', console: 'ops1:1'},
		{at: at(43), kind: 'note', source: 'bob@ops2', text: 'OOM at 50/50 | see <ticket>\nINC-42', console: 'ops2:7'},
	];
	const markdown = renderReport({audit: [], auditPath: 'a', verdictHistory: [], snapshot: {...snapshot(), timeline} as unknown as Snapshot});
	const section = markdown.slice(markdown.indexOf('## Timeline of the deployment'));
	const rows = section.split('\n').filter((line) => line.startsWith('| 20'));
	assert.deepEqual(
		rows.map((row) => row.split(' | ').slice(1, 4)),
		[
			['action', 'alice@ops1', 'verified'],
			['runtime', 'canary', ''],
			['action', 'alice@ops1', 'verified'],
			['note', 'bob@ops2', ''],
		],
	);
	assert.match(section, /^\| .* \| note \| bob@ops2 \| {2}\| OOM at 50\/50 \\\| see &lt;ticket> INC-42 \|$/m);
	assert.match(section, /^### Notes\n\n- \S+ bob@ops2: OOM at 50\/50 \\\| see &lt;ticket> INC-42$/m);
	assert.match(renderReport({audit: [], auditPath: 'a', verdictHistory: [], snapshot: snapshot()}), /^Nothing recorded in the timeline\.$/m);
});
