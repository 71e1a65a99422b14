import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {App} from '../source/ui/app.tsx';
import {createGuideParts} from '../source/core/guide/guide-parts.ts';
import type {ContainerControl} from '../source/core/guide/containers.ts';
import {startMiniDeployment, waitFor} from './helpers/mini-deployment.ts';

// The troubleshooting view (5): the guide's three issues read when the view opens and on 5 again,
// and the A/B probes side by side on a.

const strip = (text: string | undefined) => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

test('5 shows the canary container, the validation output and the upstream as the proxy reads it; 5 again reads again; a sends the probes', async () => {
	const deployment = await startMiniDeployment();
	let inspections = 0;
	const containers: ContainerControl = {
		name: (target) => ({canary: 'engine-canary', nginx: 'nginx-canary', redis: 'redis-canary'})[target],
		state: async () => 'running',
		stop: async () => ({ok: true, exitCode: 0, output: ''}),
		restart: async () => ({ok: true, exitCode: 0, output: ''}),
		inspect: async () => (inspections++, {state: 'exited', exitCode: 137, oomKilled: true, restarts: 4, startedAt: '2026-01-01T10:00:00Z', image: 'involution-engine:de440-1900-canary', imageId: 'sha256:0123456789abcdef0123', imageCreated: '2026-01-01T09:00:00Z'}),
	};
	const guide = createGuideParts(deployment.monitor, deployment.proxy, containers);
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
		await read('6');
		const view = await waitFor(frame, (text) => /─ 1 canary won't start \(read \d\d:\d\d:\d\d, 6: again\)/.test(text));
		assert.match(view, /engine-canary exited {2}last exit 137 {2}OOM killed YES {2}restarts 4/);
		assert.match(view, /image involution-engine:de440-1900-canary {2}sha256:0123456789ab {2}created 2026-01-01T09:00:00Z/);
		assert.match(view, /nginx -t in nginx-canary: ok \(exit 0\)\n {2}\S/);
		assert.match(view, /the upstream as nginx-canary sees it:\n {2}upstream involution_engine \{\n.*weight=90;/);
		assert.match(view, /configured 90\/10/);
		assert.match(view, /─ 3 performance degradation \(live\)/);
		assert.equal(inspections, 1);
		await read('6');
		await waitFor(() => inspections, (n) => n === 2);
		assert.equal(inspections, 2, 'r reads the sections again');
		await read('A');
		const probes = await waitFor(frame, (text) => /GET \/healthz +200 [\d.]+ms +200 [\d.]+ms/.test(text));
		assert.match(probes, /GET \/healthz +200 [\d.]+ms +200 [\d.]+ms +alike/);
	} finally {
		app.unmount();
		await deployment.close();
	}
});
