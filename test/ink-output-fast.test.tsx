import {test} from 'node:test';
import assert from 'node:assert/strict';
import type React from 'react';
import {Box, Text} from 'ink';
import {render} from 'ink-testing-library';
import {installOutputCache} from '../source/ui/ink-output-cache.ts';
import {Help} from '../source/ui/help.tsx';
import {ActionDialog} from '../source/ui/dialog.tsx';
import {LogTail} from '../source/ui/log-panel.tsx';
import type {StoredEvent} from '../source/core/monitor/log-store.ts';

// The row-joining path must draw exactly what Ink's own cell grid draws, colours included:
// every frame is rendered both ways and compared byte for byte.

const event = (seq: number, message: string, level: StoredEvent['level']): StoredEvent => ({
	seq, engine: seq % 2 ? 'canary' : 'stable', stream: 'stdout', time: 1_700_000_000_000 + seq, level, message, detail: `request_id=r-${seq}`, exception: null, raw: message,
});

const scenes: Array<[string, React.ReactElement]> = [
	['help, two columns', <Help width={140} height={30} />],
	['confirm dialog with a coloured diff', <ActionDialog action={{phase: 'confirm', kind: 'promote', from: {stable: 90, canary: 10}, to: {stable: 50, canary: 50}, diff: ['  upstream x {', '- server a weight=90;', '+ server a weight=50;'], automatic: false}} width={100} height={9} />],
	['log tail with wide characters and levels', <LogTail events={[event(1, 'served 世界 in 12 ms', 'INFO'), event(2, 'upstream timed out', 'ERROR'), event(3, 'slow query ✓', 'WARN')]} width={90} height={5} dropped={3} title="log tail" />],
	[
		'boxes side by side with padding and nested colours',
		<Box flexDirection="column">
			<Box>
				<Box width={30} paddingRight={1}>
					<Text color="cyan" bold>
						left <Text color="red">red</Text> tail
					</Text>
				</Box>
				<Box width={40}>
					<Text inverse color="green">
						{' READY '}
					</Text>
					<Text> right side</Text>
				</Box>
			</Box>
			<Text wrap="truncate-end">{'x'.repeat(200)}</Text>
		</Box>,
	],
];

test('rows joined directly are byte-identical to Ink’s own composition', async () => {
	const before = scenes.map(([, element]) => {
		const {lastFrame, unmount} = render(element);
		const frame = lastFrame();
		unmount();
		return frame;
	});
	const caches = await installOutputCache();
	assert.ok(caches);
	const fallbacks = caches.fallbacks;
	for (const [index, [name, element]] of scenes.entries()) {
		const {lastFrame, unmount} = render(element);
		assert.equal(lastFrame(), before[index], name);
		unmount();
	}
	assert.equal(caches.fallbacks, fallbacks, 'none of these needed the slow path');
});

test('overlapping texts fall back to Ink’s own composition', async () => {
	const caches = await installOutputCache();
	assert.ok(caches);
	const fallbacks = caches.fallbacks;
	const {lastFrame, unmount} = render(
		<Box>
			<Box width={5}>
				<Text>abcdefghij</Text>
			</Box>
			<Box marginLeft={-3}>
				<Text>XY</Text>
			</Box>
		</Box>,
	);
	assert.ok((lastFrame() ?? '').length > 0);
	unmount();
	assert.ok(caches.fallbacks > fallbacks, "the overlap took the slow path");
});
