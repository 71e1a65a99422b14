import React from 'react';
import {Box} from 'ink';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import {formatSplit} from '../domain/upstream.ts';
import {clock} from './format.ts';
import {observedText} from '../core/monitor/snapshot-text.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// Configured weights against the split the balancer really serves, with sample size and
// a 99 % interval, and the split seen in the engines' own request counters.

export const SplitPanel = React.memo(function SplitPanel({split, width, height}: {split: Snapshot['split']; width: number; height: number}) {
	const sample = split.observed;
	const attributed = sample ? sample.stable + sample.canary : 0;
	const unattributed = sample?.unknown ?? 0;
	const interval = sample?.interval ? `canary ${sample.interval.low.toFixed(1)}-${sample.interval.high.toFixed(1)}% (99%)` : '';
	// An observed split over no attributed answer would be an invention: show '-' and why.
	const same = sample?.versions && sample.versions.stable !== null && sample.versions.stable === sample.versions.canary ? sample.versions.stable : null;
	// Replicas: the answers each one gave stand in for the interval (the sampled line has the split).
	const perReplica = sample?.replicas && unattributed === 0 ? Object.entries(sample.replicas).map(([id, count]) => `${id} ${count}`).join(' ') : null;
	const third = sample && attributed === 0 && unattributed > 0 ? `${same ? `both engines v${same}` : 'no answer attributed'}: add X-Upstream to nginx` : (perReplica ?? interval);
	const by = sample ? `by ${sample.method === 'none' ? 'nothing' : sample.method} at ${split.sampledAt ? clock(split.sampledAt) : '-'}` : null;
	return (
		// One blank column keeps the panel apart from the verdict table beside it.
		<Box width={width} paddingRight={1}>
		<Panel width={width - 1} height={height}>
			<Title width={width - 2}>split</Title>
			<Line>{`configured  ${split.configured ? formatSplit(split.configured) : '?'}`}</Line>
			<Line>
				{`sampled     ${sample && attributed > 0 ? observedText(sample.observed) : '-'}  N=${attributed}`}
			</Line>
			<Line dim={unattributed === 0} colour={unattributed > 0 ? theme.state.warn : undefined}>{third || ' '}</Line>
			{/* The sample's duration here, not after N: "91.5/8.5  N=200 in 317ms" did not fit 36 columns. */}
			<Line dim={unattributed === 0} colour={unattributed > 0 ? theme.state.warn : undefined}>
				{by ? `${by} in ${Math.round(sample!.ms)}ms${unattributed > 0 ? `, ${unattributed} unattributed` : ''}${sample!.errors > 0 ? `, ${sample!.errors} errors` : ''}` : split.sampling ? 'sampling...' : 'no sample yet (s)'}
			</Line>
			<Line>{`in metrics ${split.fromMetrics ? formatSplit(split.fromMetrics) : '-'} (window)`}</Line>
		</Panel>
		</Box>
	);
});
