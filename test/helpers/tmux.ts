import {execFileSync, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {waitUntil} from './wait.ts';

// A real terminal for end-to-end tests: a private tmux server per session (its own socket),
// driven with send-keys and read with capture-pane.

export function requireTmux(): void {
	const found = spawnSync('tmux', ['-V'], {encoding: 'utf8'});
	if (found.status !== 0) {
		throw new Error('this suite needs tmux (a real terminal): apt-get install tmux. .ci/run installs it.');
	}
}

export class Tmux {
	private readonly socket = `cc-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	constructor(readonly session = 'console') {}

	private run(args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** Starts `argv` in a new session of the given size; the shell stays afterwards so the exit can be read. */
	start(argv: string[], options: {columns?: number; rows?: number; env?: Record<string, string | undefined>; cwd?: string} = {}): void {
		const env = Object.entries(options.env ?? {})
			.map(([key, value]) => (value === undefined ? `-u ${key}` : `${key}=${quote(value)}`))
			.join(' ');
		const command = `env ${env} ${argv.map(quote).join(' ')}; echo CONSOLE-EXIT=$?; sleep 120`;
		this.run(['new-session', '-d', '-s', this.session, '-x', String(options.columns ?? 120), '-y', String(options.rows ?? 40), '-c', options.cwd ?? process.cwd(), command]);
	}

	/** The visible screen; joined=true joins wrapped lines, so a line that overflowed shows as too long. */
	capture(joined = false): string {
		return this.run(['capture-pane', '-p', ...(joined ? ['-J'] : []), '-t', this.session]);
	}

	keys(...keys: string[]): void {
		this.run(['send-keys', '-t', this.session, ...keys]);
	}

	resize(columns: number, rows: number): void {
		this.run(['resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows)]);
	}

	/** Records every byte the program writes to its terminal. */
	record(file: string): void {
		this.run(['pipe-pane', '-o', '-t', this.session, `cat >> ${quote(file)}`]);
	}

	recorded(file: string): Buffer {
		return readFileSync(file);
	}

	/** PID of the pane's shell; the console is its child. */
	panePid(): number {
		return Number(this.run(['display-message', '-p', '-t', this.session, '#{pane_pid}']).trim());
	}

	async waitFor(check: (screen: string) => boolean, timeoutMs = 20_000, joined = false): Promise<string> {
		let screen = '';
		return waitUntil('the screen', () => check((screen = this.capture(joined))) && screen, {timeoutMs, everyMs: 100, detail: () => `the screen was:\n${screen}`});
	}

	kill(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server']);
	}
}

function quote(value: string): string {
	return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** All descendants of a process, read from /proc. */
export function descendants(pid: number): number[] {
	const out: number[] = [];
	const children = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], {encoding: 'utf8'}).stdout.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
	const walk = (parent: number) => {
		for (const [child, ppid] of children) {
			if (ppid === parent && child !== undefined) {
				out.push(child);
				walk(child);
			}
		}
	};
	walk(pid);
	return out;
}

