// Draws log frames with the console's frame writer on a real terminal, for scroll.test.ts:
//   scroll-driver.ts scrolled   frame 1, then frame 2 as an update (the log rows scroll)
//   scroll-driver.ts full       frame 2 alone, drawn in full
// then waits to be killed, so the test can read the screen.
import {ENTER_ALT_SCREEN, FrameWriter} from '../../source/ui/frame-writer.ts';

const CSI = '\u001B[';
const columns = process.stdout.columns ?? 80;
const rows = process.stdout.rows ?? 20;
const level = ['INFO', 'WARN', 'ERROR'];
const colour = ['32', '33', '31'];

function logRow(n: number): string {
	const tag = n % 3 === 0 ? `${CSI}1;36mC${CSI}22;39m` : `${CSI}1;35mS${CSI}22;39m`;
	const text = `12:00:${String(n).padStart(2, '0')}.000 ${level[n % 3]!.padEnd(5)} request ${n} served 東京 ${'x'.repeat(n % 40)}`;
	// Every fifth row fills the row to its last column (the cursor then waits on it).
	const body = n % 5 === 0 ? text.padEnd(columns - 2, '.') : text;
	return `${tag} ${CSI}${colour[n % 3]}m${body.slice(0, columns - 2 - 2)}${CSI}39m`;
}

function frame(first: number, label: string): string {
	const header = `${CSI}1mcanary-console${CSI}22m ${label} ${'─'.repeat(20)}`;
	const title = `${CSI}90m─ logs ${first + rows - 3} lines following ${'─'.repeat(30)}${CSI}39m`;
	const body = Array.from({length: rows - 3}, (_, i) => logRow(first + i));
	// Frame 2 changes the footer's colours in the middle of the row and makes it shorter.
	const footer = label === 'first' ? `${CSI}7m? help${CSI}27m  q quit  ${CSI}32mPASS since 12:00:01${CSI}39m` : `${CSI}7m? help${CSI}27m  q quit  ${CSI}1;31mFAIL${CSI}22;39m`;
	return [header, title, ...body, footer].join('\n');
}

const mode = process.argv[2];
const writer = new FrameWriter(process.stdout, {maxFps: 1000});
const flush = () => (writer as unknown as {flush(now: boolean): void}).flush(true);
process.stdout.write(ENTER_ALT_SCREEN);
if (mode === 'scrolled') {
	writer.write(frame(1, 'first'));
	flush();
	writer.write(frame(5, 'second'));
	flush();
} else {
	writer.write(frame(5, 'second'));
	flush();
}
process.stdout.write(`${CSI}1;1H`);
process.stderr.write(`scrolls=${writer.scrolls}\n`);
setInterval(() => {}, 60_000);
