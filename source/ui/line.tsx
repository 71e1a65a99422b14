import React from 'react';
import {Box, Text} from 'ink';

// Every panel is a column of single lines: a line never wraps (it is cut at the panel's
// width), so a panel's height is exactly the number of lines it renders.

export function Line({children, colour, dim, bold, inverse}: {children?: React.ReactNode; colour?: string; dim?: boolean; bold?: boolean; inverse?: boolean}) {
	return (
		<Text wrap="truncate-end" color={colour} dimColor={dim} bold={bold} inverse={inverse}>
			{children ?? ' '}
		</Text>
	);
}

/** A fixed-size column: exactly `height` lines, padding with blank ones. */
export function Panel({width, height, children}: {width: number; height: number; children: React.ReactNode}) {
	const lines = React.Children.toArray(children).slice(0, height);
	const blanks = Math.max(0, height - lines.length);
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			{lines}
			{Array.from({length: blanks}, (_, index) => (
				<Text key={`blank-${index}`}> </Text>
			))}
		</Box>
	);
}

export function Title({children, width}: {children: string; width: number}) {
	const text = `─ ${children} `;
	return (
		<Text wrap="truncate-end" color="gray">
			{text + '─'.repeat(Math.max(0, width - text.length))}
		</Text>
	);
}
