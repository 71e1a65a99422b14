import React from 'react';
import {Box} from 'ink';
import type {Snapshot} from '../core/snapshot.ts';
import {formatSplit} from '../domain/upstream.ts';
import {clock} from './format.ts';
import {observedText} from '../core/snapshot-text.ts';
import {Line, Panel, Title} from './line.tsx';

// Configured weights against the split the balancer really serves, with sample size and
// a 99 % interval, and the split seen in the engines' own request counters.

export const SplitPanel = React.memo(function SplitPanel({split, width, height}: {split: Snapshot['split']; width: number; height: number}) {
	const sample = split.observed;
	const answered = sample ? sample.stable + sample.canary : 0;
	const interval = sample?.interval ? `canary ${sample.interval.low.toFixed(1)}-${sample.interval.high.toFixed(1)}% (99%)` : '';
	return (
		// One blank column keeps the panel apart from the verdict table beside it.
		<Box width={width} paddingRight={1}>
		<Panel width={width - 1} height={height}>
			<Title width={width - 2}>split</Title>
			<Line>{`configured  ${split.configured ? formatSplit(split.configured) : '?'}`}</Line>
			<Line>
				{`sampled     ${sample && answered > 0 ? observedText(sample.observed) : '-'}  N=${answered}`}
			</Line>
			<Line dim>{interval || ' '}</Line>
			{/* The sample's duration here, not after N: "91.5/8.5  N=200 in 317ms" did not fit 36 columns. */}
			<Line dim>{sample ? `by ${sample.method} at ${split.sampledAt ? clock(split.sampledAt) : '-'} in ${Math.round(sample.ms)}ms${sample.errors > 0 ? `, ${sample.errors} errors` : ''}` : split.sampling ? 'sampling...' : 'no sample yet (s)'}</Line>
			<Line>{`in metrics ${split.fromMetrics ? formatSplit(split.fromMetrics) : '-'} (window)`}</Line>
		</Panel>
		</Box>
	);
});
