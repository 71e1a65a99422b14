import React, {useSyncExternalStore} from 'react';
import {Text} from 'ink';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import type {GuideParts} from '../core/guide/guide-parts.ts';
import {latestMatching} from '../core/guide/troubleshoot.ts';
import type {ProbeAnswer} from '../core/guide/probe-watch.ts';
import {observedText} from '../core/monitor/snapshot-text.ts';
import {formatSplit} from '../domain/upstream.ts';
import {sanitizeForTerminal} from '../domain/sanitize.ts';
import {bytes, clock, fit, number} from './format.ts';
import {Line, Panel, Title} from './line.tsx';
import {theme} from './theme.ts';
import {redisLines} from './redis-panel.tsx';

// The guide's troubleshooting procedure as one screen: canary won't start, traffic not
// distributing, performance degradation, and the A/B probes side by side. The sections are
// read when the view opens and on 6 again; the probes are sent on A and by their timer.

/** Container and endpoint text is hostile: no control sequences, one line. */
const clean = (text: string) => sanitizeForTerminal(text).replace(/[\r\n\t]+/g, ' ');
const SLOW = /slow/i;

function answer(a: ProbeAnswer): string {
	return a.error ? `failed: ${a.error}` : `${a.status} ${number(a.ms, 1)}ms`;
}

export function TroubleshootView({guide, snapshot, width, height}: {guide: GuideParts; snapshot: Snapshot; width: number; height: number}) {
	const report = useSyncExternalStore(guide.troubleshoot.subscribe, guide.troubleshoot.getReport);
	const rows: React.ReactNode[] = [];
	const add = (node: React.ReactNode) => rows.push(React.isValidElement(node) ? React.cloneElement(node, {key: rows.length}) : node);
	const stamp = guide.troubleshoot.refreshing ? 'reading...' : report ? `read ${clock(report.at)}, 6: again` : '6: read';
	const canaryName = guide.containers.name('canary');
	const nginxName = guide.containers.name('nginx');

	add(<Title width={width - 1}>{`1 canary won't start (${stamp})`}</Title>);
	const d = report?.canary.details;
	if (d) {
		add(<Line colour={d.state === 'running' ? undefined : theme.state.fail}>{`${canaryName} ${d.state}  last exit ${d.exitCode ?? '-'}  OOM killed ${d.oomKilled ? 'YES' : 'no'}  restarts ${d.restarts}  started ${d.startedAt ?? '-'}`}</Line>);
		add(<Line dim>{clean(`image ${d.image}  ${d.imageId ? d.imageId.slice(0, 19) : ''}  created ${d.imageCreated ?? '-'}`)}</Line>);
	} else add(<Line dim>{report ? clean(report.canary.error ?? '') : 'not read yet'}</Line>);
	for (const event of latestMatching(snapshot.logs, 'canary', null, 3)) add(<Line dim>{clean(`${clock(event.time)} ${event.level ?? ''} ${event.message} ${event.detail}`)}</Line>);

	add(<Title width={width - 1}>{`2 traffic not distributing (${stamp})`}</Title>);
	if (report) {
		const t = report.traffic.nginxT;
		add(<Line colour={t?.ok ? theme.state.pass : theme.state.fail}>{`nginx -t in ${nginxName}: ${t ? (t.ok ? 'ok (exit 0)' : `FAILED (exit ${t.exitCode ?? '?'})`) : '-'}`}</Line>);
		for (const line of (t?.output ?? '').trim().split('\n').filter(Boolean).slice(-3)) add(<Line dim={t?.ok}>{`  ${clean(line)}`}</Line>);
		add(<Line dim>{`the upstream as ${nginxName} sees it${report.traffic.seenError ? `: ${clean(report.traffic.seenError)}` : ':'}`}</Line>);
		for (const line of report.traffic.upstream.slice(0, 6)) add(<Line>{`  ${clean(line)}`}</Line>);
		add(<Line dim>{clean(`last change: ${report.traffic.lastChange ?? 'none in the audit log'}`)}</Line>);
	} else add(<Line dim>not read yet</Line>);
	const sample = snapshot.split.observed;
	add(<Line>{`configured ${snapshot.split.configured ? formatSplit(snapshot.split.configured) : '?'}  observed ${sample && sample.stable + sample.canary > 0 ? `${observedText(sample.observed)} N=${sample.stable + sample.canary}` : '-'}  in metrics ${snapshot.split.fromMetrics ? formatSplit(snapshot.split.fromMetrics) : '-'}`}</Line>);

	add(<Title width={width - 1}>3 performance degradation (live)</Title>);
	const half = Math.floor((width - 2) / 2);
	const res = (role: 'stable' | 'canary') => {
		const r = snapshot.engines[role].resources;
		return r ? `${role} mem ${bytes(r.memUsed)}/${bytes(r.memLimit)}  cpu ${r.cpuPercent === null ? '-' : `${Math.round(r.cpuPercent)}%`}` : `${role} ${snapshot.engines[role].resourcesError ?? '-'}`;
	};
	add(<Line>{`${fit(res('stable'), half)}  ${res('canary')}`}</Line>);
	add(<Line dim>{clean(guide.redis ? `redis ${guide.redis.name} (${guide.redis.figures().latest?.via ?? guide.redis.describe}):` : 'redis:')}</Line>);
	for (const line of redisLines({figures: guide.redis?.figures() ?? null, note: guide.redisNote || 'Redis not watched', now: snapshot.at})) add(line);
	const slow = latestMatching(snapshot.logs, 'both', SLOW, 3);
	if (slow.length === 0) add(<Line dim>no log line matching "slow" in the history kept</Line>);
	for (const event of slow) add(<Line dim>{clean(`${event.engine.slice(0, 1).toUpperCase()} ${clock(event.time)} ${event.message} ${event.detail}`)}</Line>);

	const round = guide.probes.last;
	add(<Title width={width - 1}>{`A/B probes (${guide.probes.running ? 'sending...' : round ? `${clock(round.at)} via ${round.via}` : 'none yet'}, a: send now)`}</Title>);
	const col = Math.max(14, Math.floor((width - 24) / 3));
	add(<Line dim>{`${fit('probe', 22)} ${fit('stable', col)} ${fit('canary', col)} drift`}</Line>);
	for (const result of round?.results ?? []) {
		const c = result.comparison;
		const worst = c.diffs[0];
		const drift = worst ? `${worst.path} ${JSON.stringify(worst.stable)} vs ${JSON.stringify(worst.canary)}` : c.compared ? 'alike' : (c.problem ?? 'not JSON');
		add(
			<Line>
				{`${fit(`${result.probe.method} ${result.probe.path}`, 22)} ${fit(answer(result.stable), col)} ${fit(answer(result.canary), col)} `}
				<Text color={worst || c.problem ? theme.state.fail : theme.state.pass}>{clean(drift)}</Text>
			</Line>,
		);
	}
	return (
		<Panel width={width} height={height}>
			{rows}
		</Panel>
	);
}
