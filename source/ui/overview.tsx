import {Box} from 'ink';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import type {GuideParts} from '../core/guide/guide-parts.ts';
import {HEADER_HEIGHT} from './header.tsx';
import {CARD_HEIGHT, EngineCards} from './engine-cards.tsx';
import {ChartsPanel} from './charts-panel.tsx';
import {SplitPanel} from './split-panel.tsx';
import {VerdictPanel} from './verdict-panel.tsx';
import {PatternsPanel} from './patterns-panel.tsx';
import {LogRows} from './log-panel.tsx';
import {RedisPanel} from './redis-panel.tsx';

// The overview (view 1): the cards, the charts, split and Redis beside the verdict, the error
// patterns and a log tail, each as tall as the terminal allows.

/** The Redis panel's rows under the split panel (which needs six). */
const REDIS_ROWS = 5;

/** Layout of the overview for a terminal size: every height, so the frame fits exactly. */
export function overviewLayout(rows: number) {
	const fixed = HEADER_HEIGHT + CARD_HEIGHT + 1;
	const verdict = 11;
	const charts = rows >= 36 ? 8 : rows >= 31 ? 6 : 0;
	const patterns = rows >= 30 ? 5 : 0;
	const logs = Math.max(0, rows - fixed - verdict - charts - patterns);
	return {charts, verdict, patterns, logs};
}

export interface OverviewProps {
	snapshot: Snapshot;
	guide?: GuideParts;
	rows: number;
	width: number;
	/** The snapshot's time cut to the second: the cards' ages change once a second. */
	now: number;
	zoomMin: number;
	colour: boolean;
	thresholdMs: number;
	/** The log tail's rows (log-region.ts), as tall as the layout's logs. */
	tail: string[];
	/** Engine exits and OOM kills (ms since epoch), marked on the charts beside the weight changes. */
	exits: readonly number[];
	/** Set when the overview shows a moment of the history: its label, its time, and the live engines whose series the charts draw. */
	past?: {label: string; at: number; live: Snapshot['engines']};
}

export function Overview({snapshot, guide, rows, width, now, zoomMin, colour, thresholdMs, tail, exits, past}: OverviewProps) {
	const layout = overviewLayout(rows);
	const splitWidth = Math.min(36, Math.floor(width * 0.3));
	return (
		<Box flexDirection="column">
			<EngineCards engines={snapshot.engines} width={width} now={now} past={past?.label} />
			{layout.charts > 0 ? (
				<ChartsPanel engines={past?.live ?? snapshot.engines} weightChanges={snapshot.weightChanges} exits={exits} startedAt={snapshot.startedAt} width={width} height={layout.charts} zoomMin={zoomMin} colour={colour} thresholdMs={thresholdMs} cursor={past?.at} />
			) : null}
			<Box flexDirection="row">
				<Box flexDirection="column" width={splitWidth}>
					<SplitPanel split={snapshot.split} width={splitWidth} height={layout.verdict - REDIS_ROWS} past={past?.label} />
					<RedisPanel figures={guide?.redis?.figures() ?? null} name={guide?.redis?.name ?? ''} note={guide?.redisNote ?? 'Redis not watched'} now={now} width={splitWidth - 1} height={REDIS_ROWS} />
				</Box>
				<VerdictPanel verdict={snapshot.verdict} width={width - splitWidth} height={layout.verdict} past={past?.label} />
			</Box>
			{layout.patterns > 0 ? <PatternsPanel rows={snapshot.patterns} width={width} height={layout.patterns} past={past?.label} /> : null}
			{layout.logs > 0 ? <LogRows rows={tail} width={width} /> : null}
		</Box>
	);
}
