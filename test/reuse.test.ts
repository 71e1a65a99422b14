import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Reuse} from '../source/core/monitor/reuse.ts';

test('the previous object comes back while its fields are the same, splits compared by content', () => {
	const reuse = new Reuse();
	const sample = {n: 200};
	const first = reuse.get('split', {configured: {stable: 90, canary: 10}, observed: sample, sampling: false});
	const same = reuse.get('split', {configured: {stable: 90, canary: 10}, observed: sample, sampling: false});
	assert.equal(same, first);
	const changed = reuse.get('split', {configured: {stable: 50, canary: 50}, observed: sample, sampling: false});
	assert.notEqual(changed, first);
	const newSample = reuse.get('split', {configured: {stable: 50, canary: 50}, observed: {n: 200}, sampling: false});
	assert.notEqual(newSample, changed, 'other objects compare by identity');
});
