import {open} from 'node:fs/promises';
import type {Config} from '../config.ts';
import type {CommandResult, ProxyControl} from './types.ts';
import type {ContainerControl, ContainerDetails} from './containers.ts';
import type {LogStore, StoredEvent} from './log-store.ts';
import {findUpstream} from '../domain/upstream.ts';

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
	auditPath: string;
	now?: () => number;
}

const AUDIT_TAIL = 64 * 1024;

/** The newest finished entry of the audit log (the file's last 64 KB), in one line. */
async function lastAudited(path: string): Promise<string | null> {
	let handle;
	try {
		handle = await open(path, 'r');
	} catch {
		return null;
	}
	try {
		const {size} = await handle.stat();
		const length = Math.min(size, AUDIT_TAIL);
		const buffer = Buffer.alloc(length);
		await handle.read(buffer, 0, length, size - length);
		const lines = buffer.toString('utf8').trim().split('\n').reverse();
		for (const line of lines) {
			try {
				const entry = JSON.parse(line) as {time: string; user: string; action: string; from: string; to: string; outcome: string};
				if (entry.outcome === 'started') continue;
				return `${entry.action} ${entry.from} -> ${entry.to} ${entry.outcome.toUpperCase()} by ${entry.user} at ${entry.time}`;
			} catch {
				// a line cut by the 64 KB window
			}
		}
		return null;
	} finally {
		await handle.close();
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
				lastAudited(this.deps.auditPath),
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
export function latestMatching(store: LogStore, engine: 'canary' | 'both', pattern: RegExp | null, limit: number): StoredEvent[] {
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
