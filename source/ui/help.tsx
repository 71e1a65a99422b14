import React from 'react';
import {Box, Text} from 'ink';
import {formatKeys, KEYMAP} from '../keymap.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// The help overlay, generated from keymap.ts.

export function Help({width, height}: {width: number; height: number}) {
	const lines: React.ReactNode[] = [];
	let group = '';
	for (const binding of KEYMAP) {
		if (binding.group !== group) {
			group = binding.group;
			lines.push(
				<Line key={`g-${group}`} bold>
					{group}
				</Line>,
			);
		}
		lines.push(
			<Line key={binding.command}>
				<Text color={theme.text.key}>{`  ${formatKeys(binding).padEnd(16)}`}</Text>
				{binding.description}
				{binding.views ? <Text color={theme.text.dim}>{`  (${binding.views.join(', ')})`}</Text> : null}
			</Line>,
		);
	}
	// Two columns when the list is taller than the screen.
	const body = height - 1;
	if (lines.length <= body || width < 100) {
		return (
			<Panel width={width} height={height}>
				<Title width={width - 1}>keys (? or esc to close)</Title>
				{lines.slice(0, body)}
			</Panel>
		);
	}
	const half = Math.floor(width / 2);
	const split = Math.ceil(lines.length / 2);
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Title width={width - 1}>keys (? or esc to close)</Title>
			<Box flexDirection="row">
				<Panel width={half} height={body}>
					{lines.slice(0, split)}
				</Panel>
				<Panel width={width - half} height={body}>
					{lines.slice(split)}
				</Panel>
			</Box>
		</Box>
	);
}
