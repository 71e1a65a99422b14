// Prometheus text format (0.0.4) and OpenMetrics 1.0, parsed by hand: the npm parsers drop
// labelled histogram series or throw on NaN/-Inf. Pages come from engines we do not trust, so
// nothing here throws; bad lines are skipped and reported in `errors`.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'info' | 'stateset' | 'gaugehistogram';

export interface Sample {
	name: string;
	labels: Record<string, string>;
	value: number;
	/** As written on the line (ms in the text format, seconds in OpenMetrics); absent when not given. */
	timestamp?: number;
}

export interface MetricFamily {
	name: string;
	type: MetricType;
	help: string;
	samples: Sample[];
}

export interface ParsedPage {
	samples: Sample[];
	/** Keyed by family name; a Map so hostile names such as `__proto__` stay plain keys. */
	families: Map<string, MetricFamily>;
	/** One entry per skipped line: "line 12: ...". */
	errors: string[];
}

const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown', 'info', 'stateset', 'gaugehistogram']);
// Sample-name suffixes that belong to a family declared under the shorter name.
const SUFFIXES = ['_bucket', '_count', '_sum', '_created', '_total', '_info', '_gcount', '_gsum'];
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_AT = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_ERRORS = 50;

/** A float as the format writes it: NaN, +Inf, -Inf, Inf, or a decimal; null when it is not one. */
export function parseValue(text: string): number | null {
	const lower = text.toLowerCase();
	if (lower === 'nan') return Number.NaN;
	if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
	if (lower === '-inf') return Number.NEGATIVE_INFINITY;
	return FLOAT.test(text) ? Number(text) : null;
}

function unescapeHelp(text: string): string {
	return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Reads `{a="x",b="y"}` from position 0 of `text`; returns the labels and where parsing stopped. */
function parseLabels(text: string): {labels: Record<string, string>; end: number} | string {
	const labels: Record<string, string> = {};
	let i = 1;
	const skipSpace = () => {
		while (text[i] === ' ' || text[i] === '\t') i++;
	};
	for (;;) {
		skipSpace();
		if (text[i] === '}') return {labels, end: i + 1};
		// Sticky: matches at i without copying the rest of the line for every label.
		LABEL_NAME_AT.lastIndex = i;
		const name = LABEL_NAME_AT.exec(text);
		if (!name) return `bad label name at column ${i + 1}`;
		i += name[0].length;
		skipSpace();
		if (text[i] !== '=') return `expected = after label ${name[0]}`;
		i++;
		skipSpace();
		if (text[i] !== '"') return `expected " for label ${name[0]}`;
		let value = '';
		const close = text.indexOf('"', i + 1);
		const slash = text.indexOf('\\', i + 1);
		if (close >= 0 && (slash < 0 || slash > close)) {
			// The common case: no escapes, one slice.
			value = text.slice(i + 1, close);
			i = close;
		} else {
			for (i++; i < text.length && text[i] !== '"'; i++) {
				if (text[i] === '\\' && i + 1 < text.length) {
					i++;
					value += text[i] === 'n' ? '\n' : text[i];
				} else value += text[i];
			}
		}
		if (i >= text.length) return `unterminated value for label ${name[0]}`;
		i++;
		// A label called __proto__ must stay a label, not become a prototype.
		if (name[0] === '__proto__') Object.defineProperty(labels, name[0], {value, enumerable: true, writable: true, configurable: true});
		else labels[name[0]] = value;
		skipSpace();
		if (text[i] === ',') i++;
		else if (text[i] !== '}') return `expected , or } after label ${name[0]}`;
	}
}

function parseSample(line: string): Sample | string {
	const name = NAME.exec(line);
	if (!name) return 'no metric name';
	let rest = line.slice(name[0].length);
	let labels: Record<string, string> = {};
	if (rest.startsWith('{')) {
		const parsed = parseLabels(rest);
		if (typeof parsed === 'string') return parsed;
		labels = parsed.labels;
		rest = rest.slice(parsed.end);
	}
	// An OpenMetrics exemplar (` # {trace_id="..."} 1.0`) follows the value: not needed here.
	const hash = rest.indexOf('#');
	if (hash >= 0) rest = rest.slice(0, hash);
	const parts = rest.trim().split(/[ \t]+/);
	if (parts.length === 0 || parts[0] === '') return 'no value';
	if (parts.length > 2) return 'unexpected text after the timestamp';
	const value = parseValue(parts[0]);
	if (value === null) return `bad value ${JSON.stringify(parts[0].slice(0, 40))}`;
	const sample: Sample = {name: name[0], labels, value};
	if (parts.length === 2) {
		const ts = parseValue(parts[1]);
		if (ts === null || !Number.isFinite(ts)) return `bad timestamp ${JSON.stringify(parts[1].slice(0, 40))}`;
		sample.timestamp = ts;
	}
	return sample;
}

function familyFor(page: ParsedPage, name: string): MetricFamily {
	const exact = page.families.get(name);
	if (exact) return exact;
	for (const suffix of SUFFIXES) {
		if (!name.endsWith(suffix)) continue;
		const family = page.families.get(name.slice(0, -suffix.length));
		if (family && family.type !== 'gauge' && family.type !== 'untyped') return family;
	}
	const created: MetricFamily = {name, type: 'untyped', help: '', samples: []};
	page.families.set(name, created);
	return created;
}

function declare(page: ParsedPage, name: string): MetricFamily {
	let family = page.families.get(name);
	if (!family) {
		family = {name, type: 'untyped', help: '', samples: []};
		page.families.set(name, family);
	}
	return family;
}

export function parsePrometheus(text: string): ParsedPage {
	const page: ParsedPage = {samples: [], families: new Map(), errors: []};
	const fail = (lineNo: number, why: string) => {
		if (page.errors.length < MAX_ERRORS) page.errors.push(`line ${lineNo}: ${why}`);
	};
	const lines = String(text ?? '').split('\n');
	for (let n = 0; n < lines.length; n++) {
		const line = lines[n].replace(/\r$/, '').trim();
		if (line === '') continue;
		if (line.startsWith('#')) {
			const meta = /^#\s+(HELP|TYPE|UNIT|EOF)(?:\s+(\S+)(?:\s+(.*))?)?$/.exec(line);
			if (!meta) continue; // a plain comment
			if (meta[1] === 'EOF') {
				if (lines.slice(n + 1).some((l) => l.trim() !== '')) fail(n + 2, 'text after # EOF ignored');
				break;
			}
			const name = meta[2];
			if (!name || !NAME.test(name)) {
				fail(n + 1, `bad ${meta[1]} line`);
				continue;
			}
			if (meta[1] === 'HELP') declare(page, name).help = unescapeHelp(meta[3] ?? '');
			else if (meta[1] === 'TYPE') {
				const type = (meta[3] ?? '').trim().toLowerCase();
				if (TYPES.has(type)) declare(page, name).type = type as MetricType;
				else fail(n + 1, `unknown type ${JSON.stringify(type.slice(0, 40))}`);
			}
			continue;
		}
		const sample = parseSample(line);
		if (typeof sample === 'string') {
			fail(n + 1, sample);
			continue;
		}
		page.samples.push(sample);
		familyFor(page, sample.name).samples.push(sample);
	}
	return page;
}
