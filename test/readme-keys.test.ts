import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {markdownKeyTable} from '../source/keymap.ts';

test('README key table is the one generated from keymap.ts', () => {
	const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
	const match = /<!-- keys:start -->\n([\s\S]*?)\n<!-- keys:end -->/.exec(readme);
	assert.ok(match, 'README.md has the keys:start/keys:end markers');
	assert.equal(match[1], markdownKeyTable(), 'regenerate with: node --import tsx -e "import(\'./source/keymap.ts\').then(m=>console.log(m.markdownKeyTable()))"');
});
