
import {Text} from 'ink';
import type {ServiceView, Snapshot} from '../core/monitor/snapshot.ts';
import {formatSplit} from '../domain/upstream.ts';
import {clock, duration} from './format.ts';
import {Line, Panel} from './line.tsx';
import {theme} from './theme.ts';
import {overallColour} from './verdict-panel.tsx';
import {observedText} from '../core/monitor/snapshot-text.ts';

// Two lines: where the rollout stands and what the console thinks of it.

export const HEADER_HEIGHT = 2;

export function Header({snapshot, width, past}: {snapshot: Snapshot; width: number; past?: string}) {
	const {split, stage, verdict} = snapshot;
	const configured = split.configured ? formatSplit(split.configured) : '?/?';
	const stageText = !split.configured ? 'weights not read yet' : stage.index === null ? 'custom split' : `stage ${stage.index + 1}/${stage.of}`;
	const observed = split.observed && split.observed.stable + split.observed.canary > 0 ? observedText(split.observed.observed) : '-';
	const inStage = snapshot.at - stage.enteredAt;
	const soakLeft = stage.soakMs - inStage;
	const trouble = troubleOf(snapshot);
	const automation = snapshot.automation;
	const remaining = automation ? automation.soakRemainingMs : soakLeft;
	const rolledBack = split.configured?.canary === 0;
	const soak = rolledBack ? 'soak stopped: all traffic on stable' : remaining > 0 ? `soak ${duration(inStage)}, ${duration(remaining)} to go` : automation?.readyToPromote ? `soaked ${duration(inStage)}: ready to promote` : `soaked ${duration(inStage)}`;
	const modes = [automation?.autoRollback ? 'AUTO-ROLLBACK' : null, automation?.autoPromote ? 'AUTO-PROMOTE' : null].filter(Boolean).join(' ');
	const automatic = automation?.lastAction && snapshot.at - automation.lastAction.at < 10 * 60_000 ? automation.lastAction : null;
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
			<Line>
				{past ? <Text inverse bold color={theme.text.accent}>{` NOT LIVE: ${past} (end: live) `}</Text> : null}
				<Text color={theme.text.dim}>{`${past ? ' ' : ''}${clock(snapshot.at)}  ${soak}  `}</Text>
				{modes ? <Text color={theme.text.accent} bold>{`${modes}  `}</Text> : null}
				{automatic ? (
					<Text inverse bold color={automatic.kind === 'rollback' ? theme.state.fail : theme.state.pass}>
						{` AUTOMATIC ${automatic.kind.toUpperCase()} ${clock(automatic.at)}: ${automatic.outcome} `}
					</Text>
				) : null}
				{trouble ? <Text color={theme.state.fail}>{`${trouble}  `}</Text> : null}
				{split.configError ? <Text color={theme.state.fail}>{`config: ${split.configError}  `}</Text> : null}
				{snapshot.services.length > 0 ? (
					snapshot.services.map((service) => (
						<Text key={service.name} color={serviceColour(service)}>{`${service.name} ${serviceText(service)}  `}</Text>
					))
				) : (
					<Text color={theme.text.dim}>{`${snapshot.runtime.describe}  proxy: ${snapshot.proxy}`}</Text>
				)}
			</Line>
		</Panel>
	);
}

function serviceText(service: ServiceView): string {
	if (!service.found) return 'missing';
	if (service.hostDown) return `HOST DOWN since ${clock(service.hostDown.since)}`;
	if (service.problem) return 'CONFIG DETACHED';
	const health = service.health === 'none' ? '' : `/${service.health}`;
	return `${service.state}${health}${service.restarts > 0 ? ` (${service.restarts} restarts)` : ''}`;
}

function serviceColour(service: ServiceView): string {
	if (!service.found || service.problem || service.state !== 'running' || service.health === 'unhealthy') return theme.state.fail;
	if (service.health === 'starting') return theme.state.warn;
	return theme.state.pass;
}

/** What stops the console from seeing the deployment, e.g. "Docker unreachable since 12:03:11". */
function troubleOf(snapshot: Snapshot): string | null {
	if (snapshot.servicesError) return snapshot.servicesError;
	const down = snapshot.services.find((service) => service.hostDown);
	if (down) return down.hostDown!.message;
	const detached = snapshot.services.find((service) => service.problem);
	if (detached) return detached.problem!;
	for (const role of ['stable', 'canary'] as const) {
		const logs = snapshot.engines[role].logs;
		if ((logs.state === 'failed' || logs.state === 'waiting') && logs.message) return logs.message;
	}
	return null;
}

export function StatusLine({snapshot, width, message, prompt}: {snapshot: Snapshot; width: number; message: string | null; prompt: {kind: string; text: string} | null}) {
	if (prompt) {
		const label =
			prompt.kind === 'search'
				? 'filter (regex, enter to apply, esc to cancel): /'
				: prompt.kind === 'note'
					? 'note for the timeline (enter to add, esc to cancel): '
					: 'split stable/canary, e.g. 75/25 (enter to review, esc to cancel): ';
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
	const text = message ?? (recent ? `${clock(recent.at)} ${recent.text}` : '? help  p promote  b rollback  w split  u undo  s sample  1-6 views  q quit');
	const colour = message ? undefined : recent ? (recent.level === 'error' ? theme.state.fail : recent.level === 'warn' ? theme.state.warn : undefined) : theme.text.dim;
	return <Line colour={colour}>{text.slice(0, Math.max(0, width))}</Line>;
}
