import asciichart from 'asciichart';

// Line charts with asciichart. asciichart cannot draw gaps (a NaN poisons its min/max), so
// missing points carry the previous value; a series with no point at all draws nothing.

export interface ChartSeries {
	points: (number | null)[];
	colour?: string;
}

const COLOURS: Record<string, string> = {
	cyan: asciichart.cyan,
	magenta: asciichart.magenta,
	red: asciichart.red,
	yellow: asciichart.yellow,
	green: asciichart.green,
	gray: asciichart.darkgray,
};

function fill(points: (number | null)[]): number[] | null {
	const first = points.find((value) => value !== null && Number.isFinite(value));
	if (first === undefined || first === null) return null;
	let last = first;
	return points.map((value) => {
		if (value !== null && Number.isFinite(value)) last = value;
		return last;
	});
}

/** Buckets timed points into `columns` slots over [from, to]; each slot keeps its maximum. */
export function bucket(points: readonly {at: number; value: number | null}[], from: number, to: number, columns: number): (number | null)[] {
	const out: (number | null)[] = new Array(columns).fill(null);
	const span = Math.max(1, to - from);
	for (const point of points) {
		if (point.at < from || point.value === null || !Number.isFinite(point.value)) continue;
		const index = Math.min(columns - 1, Math.floor(((point.at - from) / span) * columns));
		const current = out[index];
		out[index] = current === null || current === undefined ? point.value : Math.max(current, point.value);
	}
	return out;
}

/**
 * Lines of a chart exactly `height` rows tall and at most `width` columns wide; the axis labels
 * take `labelWidth` columns. Empty lines when no series has data.
 */
export function renderChart(series: ChartSeries[], options: {height: number; width: number; colour: boolean; unit: (value: number) => string; minMax?: number}): string[] {
	const labelWidth = 7;
	const filled = series.map((entry) => ({...entry, values: fill(entry.points)})).filter((entry) => entry.values !== null);
	const rows = Math.max(2, options.height);
	if (filled.length === 0 || options.width < labelWidth + 4) return new Array(rows).fill('');
	const all = filled.flatMap((entry) => entry.values!);
	const min = 0;
	const max = Math.max(options.minMax ?? 0, ...all) || 1;
	const plot = asciichart.plot(
		filled.map((entry) => entry.values!),
		{
			height: rows - 1,
			min,
			max,
			offset: 2,
			format: (value: number) => options.unit(value).padStart(labelWidth - 1).slice(-(labelWidth - 1)),
			colors: options.colour ? filled.map((entry) => COLOURS[entry.colour ?? ''] ?? asciichart.default) : undefined,
		},
	);
	const lines = plot.split('\n');
	while (lines.length < rows) lines.unshift('');
	return lines.slice(-rows);
}
