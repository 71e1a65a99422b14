import {test} from 'node:test';
import assert from 'node:assert/strict';
import {maskVariables, miningText, TemplateMiner} from '../source/domain/drain.ts';

const SAME: Array<[string, string[]]> = [
	['ids (UUID)', ['request 0964ecc1-9561-4004-b4e6-02d7c20a7f22 failed', 'request 6cfb9d57-e3df-48cc-9fac-70eba9eb94c5 failed']],
	['numbers', ['retry 1 of 5 for job 17', 'retry 4 of 5 for job 2093']],
	['hex ids', ['cache miss for key 3fa9c2b1d0e4', 'cache miss for key 0x1f2e3d4c', 'cache miss for key deadbeef1234']],
	['durations', ['upstream timeout after 1500ms', 'upstream timeout after 1.5s', 'upstream timeout after 2m30s']],
	['timestamps', ['job started at 2026-11-27T09:14:26.875244+00:00 ok', 'job started at 2025-01-02T03:04:05Z ok', 'job started at 2025-01-02 03:04:05,123 ok']],
	['IPs', ['connect to 10.0.0.12:5432 refused', 'connect to 192.168.1.1 refused', 'connect to fe80::1 refused', 'connect to 2001:db8:0:0:0:0:0:1 refused']],
	['quoted strings', ['unknown body "Sun"', "unknown body 'Moon'"]],
	['a token that only the tree generalises', ['worker w-12a lost', 'worker w-99b lost', 'worker w-3c lost']],
	['engine messages', ['Request rejected: INPUT.INVALID - Invalid input request_id=3da75fc5-9378-406c-9a9f-7df347c779ba', 'Request rejected: INPUT.INVALID - Invalid input request_id=9887ed62-44ba-4f4e-a1f5-179b8e986238']],
];

for (const [name, lines] of SAME) {
	test(`one template for lines differing only in ${name}`, () => {
		const miner = new TemplateMiner();
		const ids = new Set(lines.map((l) => miner.add(l).id));
		assert.equal(ids.size, 1, [...ids].join(','));
		assert.equal(miner.size, 1);
		assert.equal(miner.get([...ids][0])!.count, lines.length);
	});
}

const DIFFERENT: Array<[string, string]> = [
	['database connection refused', 'kernel bundle failed to load'],
	['Request rejected: INPUT.INVALID - Invalid input', 'Request failed: KERNEL.MISSING - Kernel missing'],
	['cache miss', 'cache evicted'],
	['ZeroDivisionError: float division by zero', 'MemoryError: out of memory'],
];
for (const [a, b] of DIFFERENT) {
	test(`different messages get different templates: ${a} / ${b}`, () => {
		const miner = new TemplateMiner();
		assert.notEqual(miner.add(a).id, miner.add(b).id);
		assert.equal(miner.size, 2);
	});
}

test('masking', () => {
	assert.equal(maskVariables('GET /v1/positions/123 took 12ms from 10.1.2.3 at 09:14:26'), 'GET /v1/positions/<num> took <dur> from <ip> at <ts>');
	assert.equal(maskVariables('python3.11 v1 HTTP/1.1 id=42'), 'python3.11 v1 HTTP/<num> id=<num>');
	assert.equal(maskVariables("don't touch isn't"), "don't touch isn't");
	assert.equal(maskVariables('std::vector and Foo::bar stay'), 'std::vector and Foo::bar stay');
});

test('differing positions become <*>, ids are stable as templates generalise', () => {
	const miner = new TemplateMiner();
	const first = miner.add('login failed for alice from web');
	const second = miner.add('login failed for bob from web');
	assert.equal(second.id, first.id);
	assert.equal(second.template, 'login failed for <*> from web');
	assert.equal(miner.get(first.id)!.template, 'login failed for <*> from web');
	// The leading tokens pick the group (Drain's tree): a different second word is another template.
	assert.notEqual(miner.add('login succeeded for carol from web').id, first.id);
});

test('LRU cap: the least recently matched template is evicted and counted', () => {
	const miner = new TemplateMiner({maxTemplates: 3});
	const a = miner.add('alpha event happened');
	miner.add('beta thing went wrong now');
	miner.add('gamma');
	assert.equal(miner.add('alpha event happened').id, a.id); // refreshes alpha
	miner.add('delta one two three four five'); // evicts beta
	assert.equal(miner.size, 3);
	assert.equal(miner.evicted, 1);
	assert.ok(miner.get(a.id));
	const again = miner.add('beta thing went wrong now');
	assert.notEqual(again.id, 't2');
	assert.equal(miner.evicted, 2);
	for (let i = 0; i < 1000; i++) miner.add(`unique${'x'.repeat(i % 50)} words ${'y '.repeat(i % 30)}`);
	assert.ok(miner.size <= 3);
});

test('events with an exception are mined on message + the exception line', () => {
	const traceback = 'Traceback (most recent call last):\n  File "a.py", line 1, in f\nZeroDivisionError: float division by zero';
	assert.equal(miningText({message: 'Unhandled error', exception: traceback}), 'Unhandled error ZeroDivisionError: float division by zero');
	assert.equal(miningText({message: 'plain', exception: null}), 'plain');
	const miner = new TemplateMiner();
	const a = miner.add(miningText({message: 'Unhandled error', exception: traceback}));
	const b = miner.add(miningText({message: 'Unhandled error', exception: traceback.replace('ZeroDivisionError: float division by zero', 'KeyError: missing kernel bundle')}));
	assert.notEqual(a.id, b.id);
});

test('mining is fast enough for the ingestion path', () => {
	const miner = new TemplateMiner();
	const start = performance.now();
	for (let i = 0; i < 50_000; i++) miner.add(`HTTP request processed request_id=${i.toString(16).padStart(8, 'a')}-1111-2222-3333-444455556666 status_code=${500 + (i % 4)} duration_ms=${i % 97}.5`);
	const perSecond = 50_000 / ((performance.now() - start) / 1000);
	assert.equal(miner.size, 1);
	assert.ok(perSecond > 20_000, `${Math.round(perSecond)} lines/s`);
});
