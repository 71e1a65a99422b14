import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {statsFile} from '../source/adapters/files/screen-files.ts';

test('the stats file holds exactly the latest record, a shorter one after a longer one too', () => {
	const dir = mkdtempSync(join(tmpdir(), 'stats-file-'));
	try {
		const path = join(dir, 'stats.jsonl');
		const write = statsFile(path);
		write({at: 1, received: 123456789, note: 'a long first record'});
		assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {at: 1, received: 123456789, note: 'a long first record'});
		write({at: 2, received: 5});
		assert.equal(readFileSync(path, 'utf8'), '{"at":2,"received":5}\n');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
