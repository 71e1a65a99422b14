// Real nginx: run with `node --import tsx --test test/nginx/*.test.ts`. Fails when nginx is missing.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {findNginx} from '../../source/adapters/nginx-local.ts';
import {startLab} from '../../source/lab/lab.ts';
import {findUpstream, readSplit, renderSplit} from '../../source/domain/upstream.ts';
import {alive} from '../helpers/processes.ts';


async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

test('startLab with real nginx: load is split by the upstream weights, a reload moves it, stop leaves no process', async () => {
	assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install nginx-light)');
	const lab = await startLab({balancer: 'nginx', ports: {stable: 0, canary: 0, balancer: 0}, rps: 60});
	const pids = lab.pids();
	try {
		assert.equal(lab.balancerKind, 'nginx');
		assert.match(lab.proxy.describe, /nginx/);
		assert.equal(pids.length, 4, 'two engines, nginx and the load generator');
		await until('traffic through nginx to both engines', async () => {
			const s = await lab.load.stats();
			return (s.byUpstream[lab.roles.stable] ?? 0) >= 45 && (s.byUpstream[lab.roles.canary] ?? 0) >= 3;
		});
		const s = await lab.load.stats();
		const canaryShare = s.byUpstream[lab.roles.canary] / (s.byUpstream[lab.roles.stable] + s.byUpstream[lab.roles.canary]);
		assert.ok(canaryShare > 0.03 && canaryShare < 0.2, `canary share ${canaryShare}`);

		// Move to 50/50 through the same steps the console takes, then watch the split follow.
		const text = await lab.proxy.readHost();
		const next = renderSplit(text, lab.upstream, lab.roles, {stable: 50, canary: 50});
		assert.ok('text' in next);
		await lab.proxy.writeHost(next.text);
		assert.ok((await lab.proxy.validate()).ok);
		assert.ok((await lab.proxy.reload()).ok);
		const seen = findUpstream(await lab.proxy.readSeen(), lab.upstream, lab.roles);
		assert.ok(!('error' in seen));
		assert.deepEqual(readSplit(seen), {stable: 50, canary: 50});
		await new Promise((resolve) => setTimeout(resolve, 1000)); // nginx reload is asynchronous (FACTS §2)
		const before = (await lab.load.stats()).byUpstream;
		await until('enough samples after the reload', async () => ((await lab.load.stats()).byUpstream[lab.roles.canary] ?? 0) - (before[lab.roles.canary] ?? 0) >= 20);
		const after = (await lab.load.stats()).byUpstream;
		const stableDelta = after[lab.roles.stable] - (before[lab.roles.stable] ?? 0);
		const canaryDelta = after[lab.roles.canary] - (before[lab.roles.canary] ?? 0);
		assert.ok(Math.abs(canaryDelta / (stableDelta + canaryDelta) - 0.5) < 0.15, `after reload ${stableDelta}/${canaryDelta}`);
	} finally {
		await lab.stop();
		for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} still alive`);
	}
});
