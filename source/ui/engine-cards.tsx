import React from 'react';
import {Box, Text} from 'ink';
import type {EngineView, ReplicaCard} from '../core/monitor/snapshot.ts';
import {bytes, DASH, duration, ms, number, percent} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';

// Stable and canary side by side: health and version, uptime and restarts, latency,
// traffic, errors, memory, CPU, cache and queue. Stale data says so, with its age.

const HEALTH_COLOUR: Record<string, string> = {
	healthy: theme.state.pass,
	degraded: theme.state.warn,
	unhealthy: theme.state.fail,
	unknown: theme.state.nodata,
	restarted: theme.state.warn,
	restarting: theme.state.fail,
	missing: theme.state.fail,
	'crash loop': theme.state.fail,
	'OOM killed': theme.state.fail,
};

export const CARD_HEIGHT = 8;

function Card({engine, width, now}: {engine: EngineView; width: number; now: number}) {
	const health = engine.health;
	const figures = engine.figures;
	const resources = engine.resources;
	const stale = engine.probe.state !== 'ok' && engine.probe.state !== 'slow';
	const age = engine.probe.lastOkAt === null ? null : now - engine.probe.lastOkAt;
	const memPct = resources && resources.memLimit > 0 ? resources.memUsed / resources.memLimit : null;
	const uptime = resources?.startedAt ? duration(now - resources.startedAt) : DASH;
	const status = stale
		? `${engine.probe.state}${age === null ? '' : `, data ${duration(age)} old`}`
		: `${engine.probe.state === 'slow' ? 'slow' : 'live'}`;
	return (
		<Panel width={width} height={CARD_HEIGHT}>
			<Title width={width - 1}>{`${engine.role.toUpperCase()} ${health?.version ?? ''}`}</Title>
			<Line>
				<Text color={theme.engine[engine.role]} bold>
					{engine.role.padEnd(7)}
				</Text>
				<Text color={HEALTH_COLOUR[engine.condition] ?? theme.state.nodata}>{`${engine.condition} `.padEnd(11)}</Text>
				<Text color={stale ? theme.state.fail : theme.text.dim}>{status}</Text>
			</Line>
			<Line>
				{`p50 ${ms(figures?.p50)}  p95 `}
				<Text bold>{ms(figures?.p95)}</Text>
				{`  p99 ${ms(figures?.p99)}`}
			</Line>
			<Line>{`req/s ${number(figures?.rps)}  5xx ${percent(figures?.ratio5xx, 2)}  N ${figures?.requests ?? DASH}`}</Line>
			<Line>{`mem ${bytes(resources?.memUsed)}/${bytes(resources?.memLimit)} ${percent(memPct, 0)}  cpu ${resources?.cpuPercent === null || resources?.cpuPercent === undefined ? DASH : `${resources.cpuPercent.toFixed(0)}%`}`}</Line>
			<Line>{`cache ${percent(figures?.cacheHitRatio ?? health?.cacheHitRate ?? null, 0)}  queue ${health?.queueDepth ?? DASH}`}</Line>
			<Line>{`up ${uptime}  restarts ${resources?.restarts ?? DASH}${engine.lifecycle.lastExit ? `  last exit ${engine.lifecycle.lastExit.code ?? '?'}${engine.lifecycle.lastExit.oom ? ' (OOM)' : ''}` : ''}`}</Line>
			{engine.replicas && !engine.probe.message ? (
				<ReplicaLine replicas={engine.replicas} />
			) : (
				<Line dim>{engine.probe.message ?? health?.error ?? engine.resourcesError ?? engine.url}</Line>
			)}
		</Panel>
	);
}

/** One line for a role's replicas: each one's p95; an outlier or a failing one in the warning colour with `!`. */
function ReplicaLine({replicas}: {replicas: readonly ReplicaCard[]}) {
	return (
		<Line>
			{replicas.map((replica, index) => {
				const bad = replica.outlier !== null || replica.problem !== null || replica.health === 'unhealthy';
				return (
					<Text key={replica.id} color={bad ? theme.state.warn : theme.text.dim}>
						{`${index > 0 ? ' ' : ''}${replica.id} ${replica.problem ? 'down' : ms(replica.p95Ms === null ? null : {seconds: replica.p95Ms / 1000, atLeast: false})}${bad ? '!' : ''}`}
					</Text>
				);
			})}
		</Line>
	);
}

/** `now` only moves the ages and uptimes: pass it rounded to the second. */
export const EngineCards = React.memo(function EngineCards({engines, width, now}: {engines: {stable: EngineView; canary: EngineView}; width: number; now: number}) {
	const half = Math.floor(width / 2);
	return (
		<Box flexDirection="row" width={width}>
			<Card engine={engines.stable} width={half} now={now} />
			<Card engine={engines.canary} width={width - half} now={now} />
		</Box>
	);
});
