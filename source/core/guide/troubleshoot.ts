import type {Config} from '../../config.ts';
import type {CommandResult, ProxyControl} from '../types.ts';
import type {ContainerControl, ContainerDetails} from './containers.ts';
import type {StoredEvent} from '../monitor/log-store.ts';
import type {LogView} from '../monitor/log-view.ts';
import type {AuditLog} from '../change/audit.ts';
import {findUpstream} from '../../domain/upstream.ts';

// The guide's three common issues as live sections: what `docker logs`, `docker inspect`,
// `nginx -t`, `cat default.conf` and `grep slow` would tell, read when the view asks (a key),
// never in the background.

export interface TroubleReport {
	at: number;
	canary: {details: ContainerDetails | null; error: string | null};
	traffic: {
		nginxT: CommandResult | null;
		/** The upstream block as nginx's container reads it (the whole file when the block is not found). */
		upstream: string[];
		seenError: string | null;
		/** The last weight change or proxy restart in the audit log, in one line. */
		lastChange: string | null;
	};
}

export interface TroubleshootDeps {
	config: Config;
	proxy: ProxyControl;
	containers: ContainerControl;
	/** The audit log: its newest finished entry is the last change. */
	audit: Pick<AuditLog, 'tail'>;
	now?: () => number;
}

/** The newest audit line whose outcome is not 'started', from the log's last 64 KB. */
async function lastFinished(audit: Pick<AuditLog, 'tail'>): Promise<string | null> {
	const lines = (await audit.tail?.(64 * 1024)) ?? [];
	for (let i = lines.length - 1; i >= 0; i--) {
		try {
			if ((JSON.parse(lines[i]) as {outcome?: string}).outcome !== 'started') return lines[i];
		} catch {
			// not an entry
		}
	}
	return null;
}

/** An audit line in one line of text: action, split, outcome, who and when. */
function describeAudit(line: string | null): string | null {
	if (!line) return null;
	try {
		const entry = JSON.parse(line) as {time: string; user: string; action: string; from: string; to: string; outcome: string};
		return `${entry.action} ${entry.from} -> ${entry.to} ${entry.outcome.toUpperCase()} by ${entry.user} at ${entry.time}`;
	} catch {
		return null;
	}
}

export class Troubleshooter {
	report: TroubleReport | null = null;
	refreshing = false;
	private readonly listeners = new Set<() => void>();

	constructor(private readonly deps: TroubleshootDeps) {}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getReport = (): TroubleReport | null => this.report;

	async refresh(): Promise<TroubleReport | null> {
		if (this.refreshing) return this.report;
		this.refreshing = true;
		this.emit();
		try {
			const {proxy, containers, config} = this.deps;
			const [details, nginxT, seen, lastChange] = await Promise.all([
				containers.inspect ? containers.inspect('canary').then((d) => ({d, e: null}), (error: Error) => ({d: null, e: error.message})) : Promise.resolve({d: null, e: 'no container details here'}),
				proxy.validate().catch((error: Error) => ({ok: false, exitCode: null, output: error.message})),
				proxy.readSeen().then((text) => ({text, error: null}), (error: Error) => ({text: null, error: error.message})),
				lastFinished(this.deps.audit).then(describeAudit),
			]);
			let upstream: string[] = [];
			if (seen.text !== null) {
				const block = findUpstream(seen.text, config.upstream, config.roles);
				upstream = ('error' in block ? seen.text : block.text).split('\n');
			}
			this.report = {
				at: (this.deps.now ?? Date.now)(),
				canary: {details: details.d, error: details.e},
				traffic: {nginxT, upstream, seenError: seen.error, lastChange},
			};
			return this.report;
		} finally {
			this.refreshing = false;
			this.emit();
		}
	}

	private emit(): void {
		for (const listener of this.listeners) listener();
	}
}

/** The newest events of one engine (or both) whose message or detail matches, newest last. */
export function latestMatching(store: LogView, engine: 'canary' | 'both', pattern: RegExp | null, limit: number): StoredEvent[] {
	const out: StoredEvent[] = [];
	for (const ring of engine === 'both' ? [store.rings.stable, store.rings.canary] : [store.rings.canary]) {
		// From the newest back, a bounded scan: a quiet pattern must not walk 20,000 lines on every key.
		let found = 0;
		for (let i = ring.length - 1, seen = 0; i >= 0 && found < limit && seen < 20_000; i--, seen++) {
			const event = ring.at(i)!;
			if (pattern && !pattern.test(event.message) && !pattern.test(event.detail)) continue;
			out.push(event);
			found++;
		}
	}
	return out.sort((a, b) => a.time - b.time).slice(-limit);
}
