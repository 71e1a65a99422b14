
import {Text} from 'ink';
import type {EmergencyFlowState} from '../core/guide/emergency-flow.ts';
import {EMERGENCY_LABELS} from '../core/guide/emergency.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';
import {wrapWords} from './format.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';

// Step messages carry Docker's and nginx's own words: hostile text, cleaned before drawing.
const clean = (text: string) => sanitizeForTerminal(text).replace(/\s+/g, ' ');

// The emergency menu: the guide's procedures, each enabled or disabled with its reason, then
// the confirmation saying exactly what happens, the steps as they run, and the result.

const STEP_MARK = {running: '…', done: '✓', failed: '✗'} as const;
const STEP_COLOUR = {running: theme.text.accent, done: theme.state.pass, failed: theme.state.fail} as const;

export function EmergencyDialog({flow, width, height}: {flow: EmergencyFlowState; width: number; height: number}) {
	if (flow.phase === 'idle') return null;
	if (flow.phase === 'menu') {
		return (
			<Panel width={width} height={height}>
				<Title width={width - 1}>emergency actions</Title>
				{flow.options.flatMap(({action, availability}, index) =>
					availability.enabled
						? [
								<Line key={action}>
									<Text color={theme.text.key}>{`${index + 1}`}</Text>
									{`  ${EMERGENCY_LABELS[action]}`}
								</Line>,
							]
						: [
								<Line key={action} dim>{`${index + 1}  ${EMERGENCY_LABELS[action]}`}</Line>,
								<Line key={`${action}-why`} dim>{`     disabled: ${clean(availability.reason)}`}</Line>,
							],
				)}
				<Line> </Line>
				<Line bold>1-4: choose (asks first)    esc / n: close</Line>
			</Panel>
		);
	}
	if (flow.phase === 'confirm') {
		return (
			<Panel width={width} height={height}>
				<Title width={width - 1}>{`confirm: ${EMERGENCY_LABELS[flow.action]}`}</Title>
				{wrapWords(flow.text, Math.max(20, width - 2)).map((line, index) => (
					<Line key={index} colour={theme.state.warn}>
						{line}
					</Line>
				))}
				<Line> </Line>
				<Line bold>y / enter: do it    esc / n: cancel</Line>
			</Panel>
		);
	}
	const steps = flow.phase === 'running' ? flow.steps : flow.result.steps;
	const action = flow.phase === 'running' ? flow.action : flow.result.action;
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{flow.phase === 'running' ? `running: ${EMERGENCY_LABELS[action]}` : `${flow.result.outcome.toUpperCase()}: ${EMERGENCY_LABELS[action]}`}</Title>
			{steps.map((step) => (
				<Line key={step.name}>
					<Text color={STEP_COLOUR[step.state]}>{`${STEP_MARK[step.state]} ${step.name.padEnd(10)}`}</Text>
					{` ${clean(step.message)}`}
				</Line>
			))}
			{flow.phase === 'done' ? (
				<Line colour={flow.result.outcome === 'done' ? theme.state.pass : theme.state.fail} bold>
					{clean(`${flow.result.message}${flow.result.auditError ? ` (audit log not written: ${flow.result.auditError})` : ''}`)}
				</Line>
			) : null}
			{flow.phase === 'done' ? <Line dim>esc / enter: close</Line> : null}
		</Panel>
	);
}
