// Real nginx: run with `node --import tsx --test test/nginx/*.test.ts`. Fails when nginx is missing.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {findNginx} from '../../source/adapters/nginx-local.ts';
import {startLab} from '../../source/lab/lab.ts';
import {findUpstream, readSplit, renderSplit} from '../../source/domain/upstream.ts';
import {alive} from '../helpers/processes.ts';
import {verifySplit} from '../../source/adapters/split-sampler.ts';


test('startLab with real nginx on the guide config: the split is verified by version, a reload moves it, stop leaves no process', async () => {
	assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install nginx-light)');
	const lab = await startLab({balancer: 'nginx', ports: {stable: 0, canary: 0, balancer: 0}, rps: 60});
	const pids = lab.pids();
	try {
		assert.equal(lab.balancerKind, 'nginx');
		assert.match(lab.proxy.describe, /nginx/);
		assert.equal(pids.length, 4, 'two engines, nginx and the load generator');
		// The lab's nginx config is the guide's: no X-Upstream. The split is told by the version
		// each engine reports, as on the real deployment.
		assert.doesNotMatch(await lab.proxy.readHost(), /X-Upstream/i);
		const options = {url: lab.urls.balancer, roles: lab.roles, versionUrls: {stable: lab.urls.stable, canary: lab.urls.canary}};
		const first = await verifySplit({...options, split: {stable: 90, canary: 10}});
		assert.equal(first.verified, true, first.reason);
		assert.equal(first.sample.method, 'version');
		assert.equal(first.sample.unknown, 0);

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
		// nginx reload is asynchronous (FACTS §2): verifySplit samples until the split follows.
		const moved = await verifySplit({...options, split: {stable: 50, canary: 50}});
		assert.equal(moved.verified, true, moved.reason);
		assert.ok(!(await verifySplit({...options, split: {stable: 100, canary: 0}, timeoutMs: 1000})).verified, 'a split nginx does not serve is not verified');
	} finally {
		await lab.stop();
		for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} still alive`);
	}
});
