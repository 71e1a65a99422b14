// Real nginx: run with `node --import tsx --test test/nginx/*.test.ts`. Fails when nginx is missing.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {findNginx} from '../../source/adapters/nginx-local.ts';
import {startLab} from '../../source/lab/lab.ts';
import {findUpstream, readSplit, renderSplit} from '../../source/domain/upstream.ts';
import {httpSplitSampler, verifySplit} from '../../source/adapters/split-sampler.ts';
import {alive} from '../helpers/processes.ts';

test('lab with 3+2 replicas behind real nginx: 50/50 written as 2,2,2 / 3,3 passes nginx -t, is verified per role, and one WRR cycle per 12 requests is exact', async () => {
	assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install nginx-light)');
	// No background load: the only requests are the sample's, so nginx's one worker runs whole cycles.
	const lab = await startLab({balancer: 'nginx', replicas: {stable: 3, canary: 2}, ports: {stable: 0, canary: 0, balancer: 0}, rps: 0});
	const pids = lab.pids();
	try {
		assert.equal(pids.length, 5 + 2, 'five engines, nginx and the load generator');
		const next = renderSplit(await lab.proxy.readHost(), lab.upstream, lab.roles, {stable: 50, canary: 50});
		assert.ok('text' in next, 'error' in next ? next.error : '');
		await lab.proxy.writeHost(next.text);
		const checked = await lab.proxy.validate();
		assert.ok(checked.ok, checked.output);
		assert.ok((await lab.proxy.reload()).ok);
		const seen = findUpstream(await lab.proxy.readSeen(), lab.upstream, lab.roles);
		assert.ok(!('error' in seen));
		assert.deepEqual(seen.servers.map((s) => s.weight), [2, 2, 2, 3, 3]);
		assert.deepEqual(readSplit(seen), {stable: 50, canary: 50});
		const verified = await verifySplit({url: lab.urls.balancer, roles: lab.roles, split: {stable: 50, canary: 50}});
		assert.equal(verified.verified, true, verified.reason);
		// A fresh sample of ten whole cycles (12 requests each), one request at a time.
		const sample = await httpSplitSampler.sample({url: lab.urls.balancer, roles: lab.roles, n: 120, concurrency: 1, attribute: 'header'});
		assert.deepEqual({stable: sample.stable, canary: sample.canary}, {stable: 60, canary: 60});
		assert.deepEqual(sample.replicas, {S1: 20, S2: 20, S3: 20, C1: 30, C2: 30});
	} finally {
		await lab.stop();
		for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} still alive`);
	}
});
