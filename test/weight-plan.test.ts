import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {planChange, previewChange} from '../source/core/change/apply-weights.ts';
import {writeInPlace} from '../source/adapters/files/in-place-write.ts';
import {DEFAULT_STAGES, renderSplit, type Split} from '../source/domain/upstream.ts';
import {CONFIG, half, roles} from './helpers/weights-fixture.ts';

// What each weight key plans, the diff the confirm dialog shows, and the in-place write.

test('planChange says what each key does or why it does not apply', () => {
	const at = (stable: number): Split => ({stable, canary: 100 - stable});
	const cases: [Parameters<typeof planChange>, {to: Split} | {refusal: string}][] = [
		[['promote', at(100), DEFAULT_STAGES, []], {to: at(90)}],
		[['promote', at(90), DEFAULT_STAGES, []], {to: at(50)}],
		[['promote', at(50), DEFAULT_STAGES, []], {to: at(0)}],
		[['promote', at(0), DEFAULT_STAGES, []], {refusal: 'already at 0/100: nothing to promote'}],
		[['rollback', at(50), DEFAULT_STAGES, []], {to: at(100)}],
		[['rollback', at(100), DEFAULT_STAGES, []], {to: at(100)}],
		[['set', at(90), DEFAULT_STAGES, [], at(75)], {to: at(75)}],
		[['set', at(90), DEFAULT_STAGES, [], at(90)], {refusal: 'already at 90/10: nothing to change'}],
		[['set', at(90), DEFAULT_STAGES, []], {refusal: 'choose a split first, e.g. 50/50'}],
		[['undo', at(50), DEFAULT_STAGES, []], {refusal: 'nothing to undo: no weight change made in this session'}],
		[['undo', at(50), DEFAULT_STAGES, [at(100), at(90)]], {to: at(90)}],
	];
	for (const [args, expected] of cases) assert.deepEqual(planChange(...args), expected, args.slice(0, 2).join(' '));
});

test('previewChange shows the upstream block diff for the confirm dialog', () => {
	const preview = previewChange(CONFIG, {stable: 0, canary: 100}, 'involution_engine', roles);
	assert.ok('diff' in preview);
	assert.deepEqual(preview.diff.filter((l) => !l.startsWith('  ')), [
		'-     server engine-stable:8080 weight=90;  # stable',
		'-     server engine-canary:8080 weight=10;',
		'+     server engine-stable:8080 down;  # stable',
		'+     server engine-canary:8080 weight=100;',
	]);
	assert.deepEqual(previewChange(CONFIG, half, 'other', roles), {error: 'no "upstream other" block in the config'});
});

test('writeInPlace keeps the inode and leaves no tail of a longer old file', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'apply-test-'));
	try {
		const path = join(dir, 'f.conf');
		await writeFile(path, CONFIG);
		const inode = (await stat(path)).ino;
		const shorter = (renderSplit(CONFIG, 'involution_engine', roles, {stable: 100, canary: 0}) as {text: string}).text.replace('# canary split, edited by canary-console\n', '');
		await writeInPlace(path, shorter);
		assert.equal(await readFile(path, 'utf8'), shorter);
		assert.equal((await stat(path)).ino, inode);
		await writeInPlace(path, CONFIG);
		assert.equal(await readFile(path, 'utf8'), CONFIG);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});
