import {test} from 'node:test';
import assert from 'node:assert/strict';
import {twoProportionZ, wilsonInterval} from '../source/domain/proportions.ts';

test('the Wilson interval of 90 in 100 holds 0.9 and stays inside 0..1', () => {
	const interval = wilsonInterval(90, 100);
	assert.ok(interval);
	assert.ok(interval.low < 0.9 && interval.high > 0.9);
	assert.ok(interval.low > 0.75 && interval.high < 0.97);
	assert.equal(wilsonInterval(0, 0), null);
	const none = wilsonInterval(0, 200);
	assert.ok(none && none.low === 0 && none.high < 0.04);
});

test('two-proportion z is large for 2 % against 0.1 % and undefined without variance', () => {
	const z = twoProportionZ(20, 1000, 9, 9000);
	assert.ok(z !== null && z > 5);
	assert.equal(twoProportionZ(0, 100, 0, 900), null);
	assert.equal(twoProportionZ(1, 0, 0, 10), null);
});
