import assert from 'node:assert/strict';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {lazydockerBinary} from '../bench/measure-lazydocker.ts';

// The bench's lazydocker rows: LAZYDOCKER names the binary, else one on PATH; without one
// the rows are left out with a note that says why and how to add them.

test('lazydocker: LAZYDOCKER first, then PATH, else a note', () => {
	const dir = mkdtempSync(join(tmpdir(), 'canary-bench-lazy-'));
	try {
		const empty = join(dir, 'empty');
		const bin = join(dir, 'bin');
		mkdirSync(empty);
		mkdirSync(bin);
		const fake = join(bin, 'lazydocker');
		writeFileSync(fake, '#!/bin/sh\nexit 0\n');
		chmodSync(fake, 0o755);
		const plain = join(dir, 'not-executable');
		writeFileSync(plain, '');

		const none = lazydockerBinary({PATH: empty});
		assert.ok('skip' in none && /not installed/.test(none.skip) && /LAZYDOCKER=path/.test(none.skip), JSON.stringify(none));
		assert.deepEqual(lazydockerBinary({PATH: `${empty}:${bin}`}), {path: fake});
		assert.deepEqual(lazydockerBinary({PATH: empty, LAZYDOCKER: fake}), {path: fake});
		const wrong = lazydockerBinary({PATH: bin, LAZYDOCKER: plain});
		assert.ok('skip' in wrong && wrong.skip.includes(`LAZYDOCKER=${plain} is not an executable file`), JSON.stringify(wrong));
		assert.ok('skip' in lazydockerBinary({PATH: empty, LAZYDOCKER: dir}), 'a directory is no binary');
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
