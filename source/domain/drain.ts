// Drain-style log template mining (He et al., ICWS 2017; as in drain3): mask the variable
// tokens, group by token count and the leading tokens, join the most similar template when
// at least `similarity` of the tokens match, else start a new one. Positions that differ
// become <*>. Ids never change once given, so counts elsewhere can be keyed by them.
import type {LogEvent} from './log-parse.ts';
import {exceptionSummary} from './log-parse.ts';

export const WILDCARD = '<*>';

// One pass; the order of the alternatives matters (timestamps before numbers, UUIDs before hex).
const MASKS: Array<[string, string]> = [
	['<ts>', '\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?|\\b\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?\\b'],
	['<uuid>', '\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b'],
	['<ip>', '\\b\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d{1,5})?\\b'],
	['<ip>', '(?<![\\w:])(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?)(?![\\w:])'],
	['<hex>', '\\b0x[0-9a-f]+\\b|\\b(?=[0-9a-f]*\\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\\b'],
	['<dur>', '(?<![\\w.])\\d+(?:\\.\\d+)?(?:ns|us|µs|ms|s|m|h)(?:\\d+(?:\\.\\d+)?(?:ns|us|µs|ms|s|m|h))*(?![\\w])'],
	['<str>', '"(?:[^"\\\\]|\\\\.)*"|(?<!\\w)\'(?:[^\'\\\\]|\\\\.)*\'(?!\\w)'],
	['<num>', '(?<![\\w.])[-+]?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?(?!\\w|\\.\\d)'],
];
const MASK_RE = new RegExp(MASKS.map(([, source]) => `(${source})`).join('|'), 'gi');

/** Replaces variable parts (timestamps, UUIDs, IPs, hex ids, durations, quoted strings, numbers). */
export function maskVariables(text: string): string {
	return text.replace(MASK_RE, (...groups) => {
		for (let i = 0; i < MASKS.length; i++) if (groups[i + 1] !== undefined) return MASKS[i][0];
		return WILDCARD;
	});
}

/** What to mine for an event: its message, plus the exception's own line when it has one. */
export function miningText(event: Pick<LogEvent, 'message' | 'exception'>): string {
	if (!event.exception) return event.message;
	const summary = exceptionSummary(event.exception);
	return summary === '' || summary === event.message ? event.message : `${event.message} ${summary}`;
}

export interface Template {
	id: string;
	template: string;
	/** Messages that joined it. */
	count: number;
}

interface Cluster {
	id: string;
	tokens: string[];
	count: number;
	group: string;
}

export interface MinerOptions {
	/** Templates kept; the least recently matched one goes first. */
	maxTemplates?: number;
	/** Share of tokens that must match to join a template (0..1). */
	similarity?: number;
	/** Leading tokens used to group (Drain's tree depth minus one). */
	depth?: number;
}

// Long lines are mined on their start: the template is about the shape, not the payload.
const MAX_MINED = 2000;

export class TemplateMiner {
	private readonly clusters = new Map<string, Cluster>(); // in LRU order, oldest first
	private readonly groups = new Map<string, Cluster[]>();
	private readonly maxTemplates: number;
	private readonly similarity: number;
	private readonly depth: number;
	private nextId = 1;
	/** Templates dropped to stay under maxTemplates. */
	evicted = 0;

	constructor(options: MinerOptions = {}) {
		this.maxTemplates = Math.max(1, options.maxTemplates ?? 500);
		this.similarity = options.similarity ?? 0.4;
		this.depth = options.depth ?? 2;
	}

	get size(): number {
		return this.clusters.size;
	}

	add(message: string): {id: string; template: string} {
		const tokens = tokenize(message);
		const group = this.groupKey(tokens);
		const candidates = this.groups.get(group) ?? [];
		const best = this.bestMatch(candidates, tokens);
		if (best) {
			for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = WILDCARD;
			best.count++;
			this.touch(best);
			return {id: best.id, template: best.tokens.join(' ')};
		}
		if (this.clusters.size >= this.maxTemplates) this.evictOldest();
		const cluster: Cluster = {id: `t${this.nextId++}`, tokens, count: 1, group};
		this.clusters.set(cluster.id, cluster);
		const list = this.groups.get(group);
		if (list) list.push(cluster);
		else this.groups.set(group, [cluster]);
		return {id: cluster.id, template: tokens.join(' ')};
	}

	get(id: string): Template | undefined {
		const cluster = this.clusters.get(id);
		return cluster && {id, template: cluster.tokens.join(' '), count: cluster.count};
	}

	templates(): Template[] {
		return [...this.clusters.values()].map((c) => ({id: c.id, template: c.tokens.join(' '), count: c.count}));
	}

	private groupKey(tokens: string[]): string {
		const lead = tokens.slice(0, this.depth).map((t) => (/\d/.test(t) ? WILDCARD : t));
		return `${tokens.length}\u0000${lead.join('\u0000')}`;
	}

	private bestMatch(candidates: Cluster[], tokens: string[]): Cluster | null {
		let best: Cluster | null = null;
		let bestScore = -1;
		let bestExact = -1;
		for (const cluster of candidates) {
			let same = 0;
			let exact = 0;
			for (let i = 0; i < tokens.length; i++) {
				const t = cluster.tokens[i];
				if (t === tokens[i]) {
					same++;
					exact++;
				} else if (t === WILDCARD) same++;
			}
			const score = tokens.length === 0 ? 1 : same / tokens.length;
			if (score > bestScore || (score === bestScore && exact > bestExact)) {
				best = cluster;
				bestScore = score;
				bestExact = exact;
			}
		}
		return best && bestScore >= this.similarity ? best : null;
	}

	private touch(cluster: Cluster): void {
		this.clusters.delete(cluster.id);
		this.clusters.set(cluster.id, cluster);
	}

	private evictOldest(): void {
		const oldest = this.clusters.values().next().value;
		if (!oldest) return;
		this.clusters.delete(oldest.id);
		const list = this.groups.get(oldest.group);
		if (list) {
			const rest = list.filter((c) => c !== oldest);
			if (rest.length === 0) this.groups.delete(oldest.group);
			else this.groups.set(oldest.group, rest);
		}
		this.evicted++;
	}
}

function tokenize(message: string): string[] {
	const masked = maskVariables(message.length > MAX_MINED ? message.slice(0, MAX_MINED) : message);
	const trimmed = masked.trim();
	return trimmed === '' ? [] : trimmed.split(/\s+/);
}
