import React from 'react';
import {Text} from 'ink';
import type {Snapshot} from '../core/snapshot.ts';
import {formatSplit} from '../domain/upstream.ts';
import {clock, duration} from './format.ts';
import {Line, Panel} from './line.tsx';
import {theme} from './theme.ts';
import {overallColour} from './verdict-panel.tsx';
import {observedText} from './split-panel.tsx';

// Two lines: where the rollout stands and what the console thinks of it.

export const HEADER_HEIGHT = 2;

export function Header({snapshot, width}: {snapshot: Snapshot; width: number}) {
	const {split, stage, verdict} = snapshot;
	const configured = split.configured ? formatSplit(split.configured) : '?/?';
	const stageText = stage.index === null ? 'custom split' : `stage ${stage.index + 1}/${stage.of}`;
	const observed = split.observed && split.observed.stable + split.observed.canary > 0 ? observedText(split.observed.observed) : '-';
	const inStage = snapshot.at - stage.enteredAt;
	const soakLeft = stage.soakMs - inStage;
	const soak = soakLeft > 0 ? `soak ${duration(inStage)} of ${duration(stage.soakMs)}` : `soaked ${duration(inStage)}`;
	return (
		<Panel width={width} height={HEADER_HEIGHT}>
			<Line>
				<Text bold>canary-console </Text>
				<Text>{`${configured} (${stageText}) observed ${observed}  `}</Text>
				<Text inverse bold color={overallColour(verdict?.overall)}>
					{` ${verdict?.overall ?? 'WAITING FOR DATA'} `}
				</Text>
				<Text>{` ${verdict?.reason ?? `collecting a ${snapshot.windowSec} s window`}`}</Text>
			</Line>
			<Line dim>
				{`${clock(snapshot.at)}  ${soak}  ${snapshot.runtime.describe}  proxy: ${snapshot.proxy}  ${split.configError ? `config: ${split.configError}` : ''}`}
			</Line>
		</Panel>
	);
}

export function StatusLine({snapshot, width, message, prompt}: {snapshot: Snapshot; width: number; message: string | null; prompt: {kind: string; text: string} | null}) {
	if (prompt) {
		const label = prompt.kind === 'search' ? 'filter (regex, enter to apply, esc to cancel): /' : 'split stable/canary, e.g. 75/25 (enter to review, esc to cancel): ';
		return (
			<Line colour={theme.text.key}>
				{label}
				{prompt.text}
				<Text inverse> </Text>
			</Line>
		);
	}
	const notice = snapshot.notices.at(-1);
	const recent = notice && snapshot.at - notice.at < 30_000 ? notice : null;
	const text = message ?? (recent ? `${clock(recent.at)} ${recent.text}` : '? help  p promote  b rollback  w split  u undo  s sample  1-4 views  q quit');
	const colour = message ? undefined : recent ? (recent.level === 'error' ? theme.state.fail : recent.level === 'warn' ? theme.state.warn : undefined) : theme.text.dim;
	return <Line colour={colour}>{text.slice(0, Math.max(0, width))}</Line>;
}
