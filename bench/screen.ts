// Reading the console's screen as captured by `tmux capture-pane -p`.

/** The header and both engine cards are on screen. */
export function isCompleteFrame(pane: string): boolean {
	const lines = pane.split('\n');
	const header = lines.some((line) => line.startsWith('canary-console '));
	const cards = lines.some((line) => /─ STABLE\b/.test(line) && /─ CANARY\b/.test(line));
	const bodies = lines.some((line) => /^stable \S+/.test(line) && /\bcanary \S+/.test(line));
	return header && cards && bodies;
}

export function isHelpShown(pane: string): boolean {
	return pane.includes('keys (? or esc to close)');
}

/**
 * The newest log line time on screen, as ms since epoch: the log tail shows `S|C HH:MM:SS.mmm`
 * in UTC (the bench starts the console with TZ=UTC); the date is the one that puts the time
 * nearest to `now` (a capture right after midnight sees lines from the day before).
 */
export function newestLogTime(pane: string, now: number): number | null {
	let newest: number | null = null;
	const day = Math.floor(now / 86_400_000) * 86_400_000;
	for (const line of pane.split('\n')) {
		const match = /^[SC] (\d\d):(\d\d):(\d\d)\.(\d\d\d) /.exec(line);
		if (!match) continue;
		const offset = ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 + Number(match[4]);
		let t = day + offset;
		if (t - now > 43_200_000) t -= 86_400_000;
		else if (now - t > 43_200_000) t += 86_400_000;
		if (newest === null || t > newest) newest = t;
	}
	return newest;
}
