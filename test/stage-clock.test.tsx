import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {auditEntry} from '../source/core/change/audit.ts';
import {lastAuditedChange, stageStart} from '../source/core/monitor/stage-clock.ts';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';

// The stage's soak survives a restart of the console: it starts at the audited change that
// set the weights, not when this console started; weights nobody audited restart it.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');
const line = (entry: Parameters<typeof auditEntry>[0], at: number) => JSON.stringify(auditEntry(entry, () => at));

test('the newest change that left its weights in the file, skipping refusals and damaged lines', () => {
	const t0 = Date.parse('2026-03-01T10:00:00Z');
	const lines = [
		line({action: 'promote', from: '100/0', to: '90/10', outcome: 'verified'}, t0),
		line({action: 'promote', from: '90/10', to: '50/50', outcome: 'refused'}, t0 + 60_000),
		'{"time": "not json',
		line({action: 'set', from: '90/10', to: '75/25', outcome: 'restored'}, t0 + 120_000),
	];
	const last = lastAuditedChange(lines);
	assert.equal(last?.at, t0);
	assert.deepEqual(last?.to, {stable: 90, canary: 10});
	assert.equal(last?.action, 'promote');
	// Another console's change in progress: its 'started' line is the last one.
	const inProgress = lastAuditedChange([...lines, line({action: 'set', from: '90/10', to: '75/25', outcome: 'started'}, t0 + 180_000)]);
	assert.deepEqual(inProgress?.to, {stable: 75, canary: 25});
	// ...but a 'started' followed by other lines was cut short and set nothing.
	assert.equal(lastAuditedChange([line({action: 'set', from: '90/10', to: '75/25', outcome: 'started'}, t0), line({action: 'undo', from: '90/10', to: '90/10', outcome: 'refused'}, t0)]), null);
	assert.equal(lastAuditedChange([]), null);

	assert.equal(stageStart({stable: 90, canary: 10}, last, t0 + 600_000).kind, 'audited');
	assert.equal(stageStart({stable: 50, canary: 50}, last, t0 + 600_000).kind, 'outside');
	assert.equal(stageStart({stable: 50, canary: 50}, null, t0 + 600_000).kind, 'unknown');
});

const SIZE = {columns: 120, rows: 40};

async function consoleWithAudit(entries: string[]) {
	const deployment = await startMiniDeployment({soakMinutes: 120});
	mkdirSync(dirname(deployment.config.auditPath), {recursive: true});
	writeFileSync(deployment.config.auditPath, entries.map((entry) => `${entry}\n`).join(''));
	const app = render(<App monitor={deployment.monitor} size={{get: () => SIZE, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} />);
	deployment.monitor.start();
	const frame = () => strip(app.lastFrame());
	return {deployment, frame, done: async () => (app.unmount(), await deployment.close())};
}

test('a console started 10 minutes into a stage shows the soak at 10 minutes, not 0', async () => {
	const tenMinutesAgo = Date.now() - 10 * 60_000;
	const s = await consoleWithAudit([line({action: 'promote', from: '100/0', to: '90/10', outcome: 'verified'}, tenMinutesAgo)]);
	try {
		const header = await waitFor(s.frame, (text) => /soak 10m\d\ds, 1h(49|50)m to go/.test(text));
		assert.match(header, /soak 10m\d\ds, 1h(49|50)m to go/);
		assert.match(header, /90\/10 \(stage 1\/3\)/);
		assert.equal(s.deployment.monitor.current().stage.enteredAt, tenMinutesAgo);
		assert.ok(s.deployment.monitor.current().notices.some((n) => /stage 90\/10 since \d\d:\d\d \(promote by .+@.+, from the audit log\)/.test(n.text)));
	} finally {
		await s.done();
	}
});

test('weights the audit log did not set are shown as changed outside, and their soak restarts', async () => {
	const tenMinutesAgo = Date.now() - 10 * 60_000;
	// The log's last change set 50/50; the file says 90/10 (an editor, another tool).
	const s = await consoleWithAudit([line({action: 'promote', from: '90/10', to: '50/50', outcome: 'verified'}, tenMinutesAgo)]);
	try {
		const text = await waitFor(s.frame, (frame) => /changed outside at \d\d:\d\d, soak restarted/.test(frame));
		assert.match(text, /changed outside at \d\d:\d\d, soak restarted/);
		assert.match(text, /soak 0m\d\ds, 2h|soak \ds, 2h|soak \d+s, 1h59m/);
		assert.ok(Date.now() - s.deployment.monitor.current().stage.enteredAt < 60_000);
	} finally {
		await s.done();
	}
});

test('a change made by another console while this one runs keeps its audited time', async () => {
	const s = await consoleWithAudit([line({action: 'promote', from: '100/0', to: '90/10', outcome: 'verified'}, Date.now() - 30 * 60_000)]);
	try {
		await waitFor(s.frame, (text) => /soak 30m/.test(text));
		// The other console: audit, then the file (a minute ago, say), as its weight flow does.
		const at = Date.now() - 60_000;
		writeFileSync(s.deployment.config.auditPath, `${readFileSync(s.deployment.config.auditPath, 'utf8')}${line({action: 'promote', from: '90/10', to: '50/50', outcome: 'verified'}, at)}\n`);
		writeFileSync(s.deployment.configPath, readFileSync(s.deployment.configPath, 'utf8').replace(/weight=90/, 'weight=50').replace(/weight=10/, 'weight=50'));
		const frame = await waitFor(s.frame, (text) => /50\/50 \(stage 2\/3\)/.test(text) && /soak 1m/.test(text));
		assert.match(frame, /50\/50 \(stage 2\/3\).*\n.*soak 1m/);
		assert.doesNotMatch(frame, /changed outside/);
		assert.ok(s.deployment.monitor.current().notices.some((n) => /weights 90\/10 -> 50\/50 changed by .+ \(promote, audited\)/.test(n.text)));
	} finally {
		await s.done();
	}
});
