import {test} from 'node:test';
import assert from 'node:assert/strict';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {installOutputCache} from '../source/ui/ink-output-cache.ts';

test('the cross-frame cache plugs into this Ink, renders the same text, and stays bounded', async () => {
	const caches = await installOutputCache();
	assert.ok(caches, 'Ink 6.8 Output has per-frame caches to replace');
	const {lastFrame, rerender, unmount} = render(<Text color="red">line 0</Text>);
	const before = caches.frames;
	for (let i = 1; i <= 200; i++) rerender(<Text color="red">{`unique line ${i} 世界`}</Text>);
	assert.match(lastFrame() ?? '', /unique line 200 世界/);
	assert.ok(caches.frames > before, 'frames went through the patched Output');
	assert.ok(caches.size() < 50, `only the last two frames are kept (${caches.size()} entries)`);
	unmount();
});
