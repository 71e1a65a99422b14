import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {NODE_FLAGS} from '../source/node-flags.ts';

test('npm run demo, npm start and the bin run node with the same flags', () => {
	const scripts = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {scripts: Record<string, string>}).scripts;
	const flags = NODE_FLAGS.join(' ');
	assert.equal(scripts.demo, `node ${flags} bin/canary-console.js demo`);
	assert.equal(scripts.start, `node ${flags} bin/canary-console.js`);
	const shebang = readFileSync(new URL('../bin/canary-console.js', import.meta.url), 'utf8').split('\n')[0];
	assert.equal(shebang, `#!/usr/bin/env -S node ${flags}`);
});
