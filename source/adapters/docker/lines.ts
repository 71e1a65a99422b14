import {StringDecoder} from 'node:string_decoder';

/** A line longer than this is not one of the daemon's JSON lines (an event, a stats sample): it is dropped. */
const MAX_LINE = 1_000_000;

/**
 * The daemon's newline-delimited JSON streams (events, stats) as lines: returns the `data`
 * handler that calls `onLine` for each complete, non-blank line; a character split over two
 * chunks stays whole.
 */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
	const decoder = new StringDecoder('utf8');
	let partial = '';
	return (chunk) => {
		partial += typeof chunk === 'string' ? chunk : decoder.write(chunk);
		for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
			const line = partial.slice(0, nl);
			partial = partial.slice(nl + 1);
			if (line.trim()) onLine(line);
		}
		if (partial.length > MAX_LINE) partial = '';
	};
}
