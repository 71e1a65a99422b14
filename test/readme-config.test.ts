import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {markdownConfigTable} from '../source/config-docs.ts';
import {leafKeys} from '../source/config-schema.ts';

test('README configuration table is the one generated from the schema', () => {
	const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
	const match = /<!-- config:start -->\n([\s\S]*?)\n<!-- config:end -->/.exec(readme);
	assert.ok(match, 'README.md has the config:start/config:end markers');
	assert.equal(match[1], markdownConfigTable(), 'regenerate with: node --import tsx -e "import(\'./source/config-docs.ts\').then(m=>console.log(m.markdownConfigTable()))"');
});

test('every key of the schema is documented', () => {
	for (const {key, schema} of leafKeys()) assert.ok((schema.description ?? '').length > 10, `${key} has a description`);
});
