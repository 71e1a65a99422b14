import React from 'react';
import type {RedisFigures} from '../domain/redis-info.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';
import {bytes, clock, duration, percent} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// Redis as the guide checks it: PING, memory against maxmemory, hit ratio over the window,
// evictions, clients, replication role and persistence; when it is down, since when.

export interface RedisPanelProps {
	/** Null when there is no Redis to watch; `note` says why. */
	figures: RedisFigures | null;
	name: string;
	note: string;
	now: number;
	width: number;
	height: number;
}

/** The panel's lines without its title: the troubleshooting view shows them too. */
export function redisLines({figures, note, now}: Pick<RedisPanelProps, 'figures' | 'note' | 'now'>): React.ReactNode[] {
	const latest = figures?.latest ?? null;
	let lines: React.ReactNode[];
	if (!figures) lines = [<Line key="note" dim>{note}</Line>];
	else if (!latest) lines = [<Line key="wait" dim>waiting for the first reading</Line>];
	else if (!latest.ok) {
		const since = figures.downSince ?? latest.at;
		lines = [
			<Line key="down" colour={theme.state.fail} bold>{`DOWN since ${clock(since)} (${duration(now - since)})`}</Line>,
			<Line key="why" dim>{sanitizeForTerminal(latest.error).replace(/\s+/g, ' ')}</Line>,
		];
	} else {
		const s = latest.stats;
		const limit = s.maxMemory > 0 ? `/${bytes(s.maxMemory)} ${percent(s.usedMemory / s.maxMemory, 0)}` : ' (no maxmemory)';
		lines = [
			<Line key="ping">{`PING ${latest.pingMs.toFixed(1)}ms  ${s.role}, ${s.replication}`}</Line>,
			<Line key="mem">{`mem ${bytes(s.usedMemory)}${limit}  clients ${s.connectedClients}`}</Line>,
			<Line key="hit" colour={figures.evictions > 0 ? theme.state.warn : undefined}>{`hit ${figures.hitRatio === null ? '-' : percent(figures.hitRatio)} N=${figures.lookups}  evicted ${figures.evictions}`}</Line>,
			<Line key="persist" colour={s.persistenceOk ? undefined : theme.state.fail}>{`persist ${s.persistence}`}</Line>,
		];
	}
	return lines;
}

export const RedisPanel = React.memo(function RedisPanel({figures, name, note, now, width, height}: RedisPanelProps) {
	return (
		<Panel width={width} height={height}>
			<Title width={width - 1}>{`redis ${figures ? name : ''}`.trim()}</Title>
			{redisLines({figures, note, now})}
		</Panel>
	);
});
