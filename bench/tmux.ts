import {execFile} from 'node:child_process';
import {promisify} from 'node:util';

// A private tmux server (its own socket) holding one 120x40 session: the real pseudo-terminal
// the console runs in. argv arrays only; the one shell string is pipe-pane's, built from our
// own temp path.

const run = promisify(execFile);

export class TmuxSession {
	private constructor(
		readonly socket: string,
		readonly session: string,
		private readonly env: NodeJS.ProcessEnv,
	) {}

	/** Starts `argv` in a new detached session; `env` is the server's (and so the pane's) environment. */
	static async start(options: {socket: string; argv: string[]; env: NodeJS.ProcessEnv; cwd: string; columns?: number; rows?: number}): Promise<TmuxSession> {
		const session = 'bench';
		const s = new TmuxSession(options.socket, session, options.env);
		await s.tmux(['new-session', '-d', '-s', session, '-x', String(options.columns ?? 120), '-y', String(options.rows ?? 40), '-c', options.cwd, ...options.argv]);
		await s.tmux(['set-option', '-t', session, 'remain-on-exit', 'on']);
		return s;
	}

	async tmux(args: string[]): Promise<string> {
		const {stdout} = await run('tmux', ['-L', this.socket, ...args], {env: this.env, encoding: 'utf8', maxBuffer: 1 << 20});
		return stdout;
	}

	async panePid(): Promise<number> {
		return Number((await this.tmux(['display-message', '-p', '-t', this.session, '#{pane_pid}'])).trim());
	}

	async paneDead(): Promise<boolean> {
		return (await this.tmux(['display-message', '-p', '-t', this.session, '#{pane_dead}']).catch(() => '1')).trim() === '1';
	}

	capture(): Promise<string> {
		return this.tmux(['capture-pane', '-p', '-t', this.session]);
	}

	async sendKeys(...keys: string[]): Promise<void> {
		await this.tmux(['send-keys', '-t', this.session, ...keys]);
	}

	/** Appends everything the program writes to its terminal to `file`. */
	async pipeTo(file: string): Promise<void> {
		await this.tmux(['pipe-pane', '-o', '-t', this.session, `cat >> '${file.replaceAll("'", `'\\''`)}'`]);
	}

	async kill(): Promise<void> {
		await this.tmux(['kill-server']).catch(() => {});
	}
}

export async function tmuxAvailable(): Promise<boolean> {
	try {
		await run('tmux', ['-V']);
		return true;
	} catch {
		return false;
	}
}
