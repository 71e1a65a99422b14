import type {ZodIssue} from 'zod';
import {z} from 'zod';
import {allowedOf, leafKeys, schemaAt} from './config-schema.ts';

// Schema errors in words a person fixing a config file can act on: the key, what it allows,
// what it got, and for a key the schema does not know, the valid key closest to it.

const MAX_SHOWN = 8;

export function describeIssues(issues: readonly ZodIssue[], input: unknown): string {
	const lines: string[] = [];
	for (const issue of issues) {
		if (issue.code === 'unrecognized_keys') {
			for (const key of issue.keys) lines.push(unknownKey([...issue.path, key]));
		} else {
			lines.push(badValue(issue, input));
		}
	}
	const shown = [...new Set(lines)];
	const more = shown.length > MAX_SHOWN ? [`(and ${shown.length - MAX_SHOWN} more)`] : [];
	return [...shown.slice(0, MAX_SHOWN), ...more].join('\n');
}

const dotted = (path: readonly (string | number)[]) =>
	path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
	let value = input;
	for (const part of path) {
		if (typeof value !== 'object' || value === null) return undefined;
		value = (value as Record<string | number, unknown>)[part];
	}
	return value;
}

function shown(value: unknown): string {
	if (typeof value === 'number') return String(value);
	if (value === undefined) return 'nothing';
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function badValue(issue: ZodIssue, input: unknown): string {
	const key = dotted(issue.path);
	const schema = schemaAt(issue.path);
	const allowed = schema ? allowedOf(schema) : null;
	const got = shown(valueAt(input, issue.path));
	if (issue.code === 'custom' && key && issue.message.startsWith(`${key} `)) return issue.message;
	const why = issue.code === 'custom' ? `: ${issue.message}` : '';
	if (!allowed) return `${key || 'the config'}: ${issue.message} (got ${got})`;
	return `${key || 'the config'} must be ${allowed} (got ${got}${why ? `${why})` : ')'}`;
}

function unknownKey(path: (string | number)[]): string {
	const name = String(path.at(-1) ?? '');
	const parentPath = path.slice(0, -1);
	const parent = schemaAt(parentPath);
	const siblings = parent instanceof z.ZodObject ? Object.keys(parent.shape as object) : [];
	const where = parentPath.length > 0 ? dotted(parentPath) : 'the top level';
	const prefix = parentPath.length > 0 ? `${dotted(parentPath)}.` : '';
	const best = closestKey(name, prefix, siblings);
	const suggestion = best ? `; did you mean "${best}"?` : '';
	return `unknown key "${dotted(path)}"${suggestion} Keys allowed at ${where}: ${siblings.join(', ')}`;
}

/** The valid key nearest to a misspelt one: a sibling, or the same name elsewhere in the tree. */
export function closestKey(name: string, prefix: string, siblings: readonly string[]): string | null {
	const candidates = [
		...siblings.map((sibling) => ({key: `${prefix}${sibling}`, last: sibling, sibling: true})),
		...leafKeys().map(({key}) => ({key, last: key.split('.').at(-1) ?? key, sibling: false})),
	];
	let best: {key: string; score: number} | null = null;
	for (const candidate of candidates) {
		// Elsewhere in the tree counts only for a near-exact name (p95FailMs at the top level).
		const distance = editDistance(name.toLowerCase(), candidate.last.toLowerCase());
		const score = candidate.sibling ? distance : distance + 0.5;
		if (!candidate.sibling && distance > 1) continue;
		if (!best || score < best.score) best = {key: candidate.key, score};
	}
	return best?.key ?? null;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
export function editDistance(a: string, b: string): number {
	const rows = a.length + 1;
	const cols = b.length + 1;
	const d: number[][] = Array.from({length: rows}, (_, i) => Array.from({length: cols}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
	for (let i = 1; i < rows; i++) {
		for (let j = 1; j < cols; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
		}
	}
	return d[a.length]![b.length]!;
}
