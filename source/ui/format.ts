import type {Quantile} from '../domain/figures.ts';

// Number formatting for the screen: '-' means no data, never 0.

export const DASH = '-';

export function ms(seconds: Quantile | null | undefined): string {
	if (!seconds) return DASH;
	const value = seconds.seconds * 1000;
	const text = value >= 100 ? value.toFixed(0) : value.toFixed(1);
	return `${seconds.atLeast ? '>=' : ''}${text}ms`;
}

export function percent(ratio: number | null | undefined, digits = 1): string {
	if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
	return `${(ratio * 100).toFixed(digits)}%`;
}

export function number(value: number | null | undefined, digits = 1): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
	return value.toFixed(digits);
}

export function bytes(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
	const mb = value / (1024 * 1024);
	if (mb >= 1024) return `${(mb / 1024).toFixed(1)}G`;
	return `${mb.toFixed(0)}M`;
}

export function duration(msValueIn: number): string {
	const total = Math.max(0, Math.floor(msValueIn / 1000));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
	if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
	return `${s}s`;
}

export function clock(at: number): string {
	return new Date(at).toTimeString().slice(0, 8);
}

/** Pads or cuts plain text to exactly width columns. */
export function fit(text: string, width: number): string {
	if (width <= 0) return '';
	if (text.length > width) return width > 1 ? `${text.slice(0, width - 1)}…` : text.slice(0, width);
	return text.padEnd(width);
}

export function fitLeft(text: string, width: number): string {
	if (width <= 0) return '';
	if (text.length > width) return text.slice(0, width);
	return text.padStart(width);
}

/** Word-wraps plain text to `width` columns; a word longer than a line is split. */
export function wrapWords(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (let word of text.split(' ')) {
		while (word.length > width) {
			if (line) lines.push(line), (line = '');
			lines.push(word.slice(0, width));
			word = word.slice(width);
		}
		if (!line) line = word;
		else if (line.length + 1 + word.length <= width) line += ` ${word}`;
		else lines.push(line), (line = word);
	}
	if (line || lines.length === 0) lines.push(line);
	return lines;
}
