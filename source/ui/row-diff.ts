// Rewriting one row of the screen with as few bytes as the two versions allow: only the cells
// from the first to the last that differ, in their style. A row the parser cannot be sure of
// (an escape other than a colour, a character whose width is not plainly one cell) is written
// whole, as before.

const CSI = '\u001B[';
const SGR = /\u001B\[([0-9;]*)m/y;

interface Cells {
	chars: string[];
	/** The colour codes in force at each cell ('' for none). */
	styles: string[];
}

function narrow(code: number): boolean {
	return (
		(code >= 0x20 && code <= 0x7e) ||
		(code >= 0xa0 && code <= 0xff) ||
		// Box drawing and block elements (titles, charts), the ellipsis of a cut line.
		(code >= 0x2500 && code <= 0x259f) ||
		code === 0x2026
	);
}

export function parseRow(line: string): Cells | null {
	const chars: string[] = [];
	const styles: string[] = [];
	let style = '';
	for (let i = 0; i < line.length; ) {
		const code = line.charCodeAt(i);
		if (code === 0x1b) {
			SGR.lastIndex = i;
			const m = SGR.exec(line);
			if (!m) return null;
			style = m[1] === '' || m[1] === '0' ? '' : style + m[0];
			i = SGR.lastIndex;
			continue;
		}
		if (!narrow(code)) return null;
		chars.push(line[i]!);
		styles.push(style);
		i++;
	}
	return {chars, styles};
}

/** What turns row `row` (0-based) showing `before` into `after`. */
export function rowUpdate(row: number, before: string | undefined, after: string): string {
	const whole = `${CSI}${row + 1};1H${CSI}0m${CSI}2K${after}`;
	// A blank row (cleared, scrolled in) needs no erase.
	if (before === undefined || before === '') return `${CSI}${row + 1};1H${CSI}0m${after}`;
	const old = parseRow(before);
	const next = old && parseRow(after);
	if (!old || !next) return whole;
	const length = Math.max(old.chars.length, next.chars.length);
	const same = (i: number) => (old.chars[i] ?? ' ') === (next.chars[i] ?? ' ') && (old.styles[i] ?? '') === (next.styles[i] ?? '');
	let first = 0;
	while (first < length && same(first)) first++;
	if (first === length) return '';
	let last = length - 1;
	while (last > first && same(last)) last--;
	let out = `${CSI}${row + 1};${first + 1}H`;
	let style: string | null = null;
	const end = Math.min(last, next.chars.length - 1);
	for (let i = first; i <= end; i++) {
		if (next.styles[i] !== style) {
			style = next.styles[i]!;
			out += `${CSI}0m${style}`;
		}
		out += next.chars[i];
	}
	// The new row is shorter: erase what the old one had beyond it (the cursor stands after the
	// new row's last cell, never on the last column, so the erase cannot take a cell of it).
	if (last >= next.chars.length) out += `${CSI}0m${CSI}K`;
	return out.length < whole.length ? out : whole;
}
