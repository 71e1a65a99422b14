import {DEFAULT_CONFIG} from './config.ts';
import {allowedOf, leafKeys} from './config-schema.ts';
import {formatSplit, type Split} from './domain/upstream.ts';

// The README's configuration table, generated from the schema (test/readme-config.test.ts
// fails when the two disagree). Regenerate with:
// node --import tsx -e "import('./source/config-docs.ts').then(m=>console.log(m.markdownConfigTable()))"

function defaultOf(key: string): string {
	let value: unknown = DEFAULT_CONFIG;
	for (const part of key.split('.')) value = (value as Record<string, unknown>)[part];
	if (key === 'stages') return JSON.stringify((value as Split[]).map(formatSplit));
	if (value === '') return '""';
	return typeof value === 'string' ? value : JSON.stringify(value);
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function markdownConfigTable(): string {
	const rows = leafKeys().map(({key, schema}) => {
		const value = defaultOf(key);
		return `| \`${key}\` | ${cell(allowedOf(schema))} | \`${cell(value)}\` | ${cell(schema.description ?? '')} |`;
	});
	return ['| key | allowed | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
