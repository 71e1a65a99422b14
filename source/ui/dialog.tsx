
import {Text} from 'ink';
import type {ActionState} from '../core/monitor/snapshot.ts';
import {formatSplit} from '../domain/upstream.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// The weight-change dialog: the diff to confirm, then every step as it runs, then the result.

const STEP_MARK = {running: '…', done: '✓', failed: '✗', skipped: '-'} as const;
const STEP_COLOUR = {running: theme.text.accent, done: theme.state.pass, failed: theme.state.fail, skipped: theme.text.dim} as const;

export function ActionDialog({action, width, height}: {action: ActionState; width: number; height: number}) {
	if (action.phase === 'idle') return null;
	if (action.phase === 'confirm-restart') {
		return (
			<Panel width={width} height={height}>
				<Title width={width - 1}>restart the proxy</Title>
				<Line colour={theme.state.warn}>{action.message}</Line>
				<Line> </Line>
				<Line bold>y / enter: restart    esc / n: cancel</Line>
			</Panel>
		);
	}
	const title = `${action.kind} ${formatSplit(action.from)} -> ${formatSplit(action.to)}`;
	if (action.phase === 'confirm') {
		return (
			<Panel width={width} height={height}>
				<Title width={width - 1}>{`confirm: ${title}`}</Title>
				{action.kind === 'undo' && action.to.canary > action.from.canary ? (
					<Line colour={theme.state.fail} bold>{`this undo sends traffic BACK TO THE CANARY: ${action.from.canary} % -> ${action.to.canary} %`}</Line>
				) : null}
				{action.diff.map((line, index) => (
					<Line key={index} colour={line.startsWith('+') ? theme.state.pass : line.startsWith('-') ? theme.state.fail : theme.text.dim}>
						{line}
					</Line>
				))}
				<Line> </Line>
				<Line dim>{'write in place (backup kept) -> nginx -t -> reload -> read back -> sample the split'}</Line>
				<Line bold>y / enter: apply    esc / n: cancel</Line>
			</Panel>
		);
	}
	const steps = action.steps;
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{action.phase === 'applying' ? `applying: ${title}` : `${action.outcome.toUpperCase()}: ${title}`}</Title>
			{steps.map((step) => (
				<Line key={step.name}>
					<Text color={STEP_COLOUR[step.state]}>{`${STEP_MARK[step.state]} ${step.name.padEnd(10)}`}</Text>
					{` ${step.message}`}
				</Line>
			))}
			{action.phase === 'done' && (action.diff?.length ?? 0) > 0 ? <Line dim>the file changed outside the console:</Line> : null}
			{action.phase === 'done'
				? (action.diff ?? []).map((line, index) => (
						<Line key={`diff-${index}`} colour={line.startsWith('+') ? theme.state.pass : line.startsWith('-') ? theme.state.fail : theme.text.dim}>
							{line}
						</Line>
					))
				: null}
			{action.phase === 'done' ? (
				<Line colour={action.outcome === 'verified' ? theme.state.pass : theme.state.fail} bold>
					{action.message}
				</Line>
			) : null}
			{action.phase === 'done' ? <Line dim>{action.restartOffered ? 'R: restart the proxy to reconnect the file    esc: close' : 'esc / enter: close'}</Line> : null}
		</Panel>
	);
}
