// Rewriting one row of the screen with as few bytes as the two versions allow: only the cells
// from the first to the last that differ, in their style. A row the parser cannot be sure of
// (an escape other than a colour, a character whose width is not plainly one cell) is written
// whole, as before.

const CSI = '\u001B[';
const SGR = /\u001B\[([0-9;]*)m/y;

interface Cells {
	chars: string[];
	/** The attributes in force at each cell, as SGR parameters ('' for none). */
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

/** The attributes in force, as one canonical parameter list ('' for none). */
class Attributes {
	private flags = new Set<number>();
	private fg = '';
	private bg = '';
	private cached: string | null = '';

	/** Applies one SGR parameter list; false when it holds something we do not model. */
	apply(params: string): boolean {
		const list = params === '' ? [0] : params.split(';').map(Number);
		for (let i = 0; i < list.length; i++) {
			const p = list[i]!;
			if (p === 0) {
				this.flags.clear();
				this.fg = '';
				this.bg = '';
			} else if (p === 1 || p === 2 || p === 3 || p === 4 || p === 7 || p === 9) this.flags.add(p);
			else if (p === 22) {
				this.flags.delete(1);
				this.flags.delete(2);
			} else if (p === 23 || p === 24 || p === 27 || p === 29) this.flags.delete(p - 20);
			else if ((p >= 30 && p <= 37) || (p >= 90 && p <= 97)) this.fg = String(p);
			else if (p === 39) this.fg = '';
			else if ((p >= 40 && p <= 47) || (p >= 100 && p <= 107)) this.bg = String(p);
			else if (p === 49) this.bg = '';
			else if ((p === 38 || p === 48) && list[i + 1] === 5 && list[i + 2] !== undefined) {
				const colour = `${p};5;${list[i + 2]}`;
				if (p === 38) this.fg = colour;
				else this.bg = colour;
				i += 2;
			} else if ((p === 38 || p === 48) && list[i + 1] === 2 && list[i + 4] !== undefined) {
				const colour = `${p};2;${list[i + 2]};${list[i + 3]};${list[i + 4]}`;
				if (p === 38) this.fg = colour;
				else this.bg = colour;
				i += 4;
			} else return false;
		}
		this.cached = null;
		return true;
	}

	get key(): string {
		this.cached ??= [...[...this.flags].sort((a, b) => a - b), this.fg, this.bg].filter((v) => v !== '').join(';');
		return this.cached;
	}
}

export function parseRow(line: string): Cells | null {
	const chars: string[] = [];
	const styles: string[] = [];
	const attributes = new Attributes();
	let style = '';
	for (let i = 0; i < line.length; ) {
		const code = line.charCodeAt(i);
		if (code === 0x1b) {
			SGR.lastIndex = i;
			const m = SGR.exec(line);
			if (!m || !attributes.apply(m[1]!)) return null;
			style = attributes.key;
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
			out += style === '' ? `${CSI}0m` : `${CSI}0;${style}m`;
		}
		out += next.chars[i];
	}
	// The new row is shorter: erase what the old one had beyond it (the cursor stands after the
	// new row's last cell, never on the last column, so the erase cannot take a cell of it).
	if (last >= next.chars.length) out += `${CSI}0m${CSI}K`;
	return out.length < whole.length ? out : whole;
}
