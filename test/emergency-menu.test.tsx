import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {createGuideParts} from '../source/core/guide/guide-parts.ts';
import type {ContainerControl, ContainerState, ContainerTarget} from '../source/core/guide/containers.ts';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';

// The emergency menu on screen: disabled actions say why, a confirmation says what will happen,
// and the canary is stopped only after all traffic went to stable.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

function fakeContainers() {
	const states: Record<ContainerTarget, ContainerState> = {canary: 'running', nginx: 'running', redis: 'missing'};
	const calls: string[] = [];
	const names: Record<ContainerTarget, string> = {canary: 'engine-canary', nginx: 'nginx-canary', redis: 'redis-canary'};
	const control: ContainerControl = {
		name: (target) => names[target],
		state: async (target) => states[target],
		stop: async (target) => (calls.push(`stop ${target}`), (states[target] = 'exited'), {ok: true, exitCode: 0, output: `${names[target]} stopped`}),
		restart: async (target) => (calls.push(`restart ${target}`), {ok: true, exitCode: 0, output: `${names[target]} restarted`}),
	};
	return {control, calls};
}

test('X opens the emergency menu; stop-canary is disabled with its reason until all traffic is on stable, then stops the canary', async () => {
	const deployment = await startMiniDeployment();
	const containers = fakeContainers();
	const guide = createGuideParts(deployment.monitor, deployment.proxy, containers.control);
	const size = {columns: 120, rows: 40};
	const app = render(<App monitor={deployment.monitor} guide={guide} size={{get: () => size, subscribe: () => () => {}}} colour={false} onQuit={() => {}} saveLogs={async () => '/dev/null'} />);
	const frame = () => strip(app.lastFrame());
	const read = async (chunk: string) => {
		app.stdin.write(chunk);
		await new Promise((resolve) => setImmediate(resolve));
	};
	try {
		deployment.monitor.start();
		await waitFor(frame, (text) => /90\/10 \(stage 1\/3\)/.test(text));
		await read('X');
		const menu = await waitFor(frame, (text) => /redis-canary in this deployment/.test(text));
		assert.match(menu, /─ emergency actions/);
		assert.match(menu, /1 {2}all traffic to stable \(100\/0, verified\)\n/);
		assert.match(menu, /2 {2}stop the canary container \(only once 100\/0 is verified\)\n {5}disabled: the upstream says 90\/10: send all traffic to stable first/);
		assert.match(menu, /4 {2}restart Redis\n {5}disabled: no redis-canary in this deployment/);
		await read('2');
		assert.match(await waitFor(frame, (text) => /stop-canary: the upstream says/.test(text)), /stop-canary: the upstream says 90\/10: send all traffic to stable first/);
		assert.deepEqual(containers.calls, []);

		await read('1');
		const confirm = await waitFor(frame, (text) => text.includes('confirm: all traffic to stable'));
		assert.match(confirm.replace(/\n/g, ' '), /Write 100\/0 into the upstream involution_engine of .*canary\.conf .* marked down\), run nginx -t, reload nginx-canary/);
		await read('y');
		const verified = await waitFor(frame, (text) => text.includes('VERIFIED: rollback 90/10 -> 100/0'), 15_000);
		assert.match(verified, /VERIFIED: rollback 90\/10 -> 100\/0/);
		await read('\r');
		await waitFor(frame, (text) => /100\/0/.test(text.split('\n')[0] ?? ''));

		await read('X');
		await waitFor(frame, (text) => /2 {2}stop the canary container \(only once 100\/0 is verified\)\n3/.test(text));
		await read('2');
		await waitFor(frame, (text) => text.includes('confirm: stop the canary container'));
		await read('y');
		const done = await waitFor(frame, (text) => text.includes('DONE: stop the canary container'), 15_000);
		assert.match(done, /✓ verify {5}VERIFIED: all \d+ answers from stable/);
		assert.match(done, /engine-canary stopped after 100\/0 was verified/);
		assert.deepEqual(containers.calls, ['stop canary']);
		const audit = readFileSync(deployment.config.auditPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {action: string; outcome: string});
		assert.deepEqual(audit.map((entry) => `${entry.action} ${entry.outcome}`), ['rollback started', 'rollback verified', 'stop-canary verified']);
	} finally {
		app.unmount();
		await deployment.close();
	}
});
