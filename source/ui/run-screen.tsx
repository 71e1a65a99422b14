
import {render} from 'ink';
import type {ScreenMonitor} from '../core/monitor/screen-port.ts';
import {App, type Size} from './app.tsx';
import {ENTER_ALT_SCREEN, FrameWriter, LEAVE_ALT_SCREEN} from './frame-writer.ts';
import type {StoredEvent} from '../core/monitor/log-store.ts';
import type {Snapshot} from '../core/monitor/snapshot.ts';
import {installOutputCache} from './ink-output-cache.ts';
import {drawLogFrame, type LogRegionRef} from './log-region.ts';

// Runs the screen on the real terminal: alternate screen, our frame writer in front of Ink,
// and the terminal restored on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash).

export interface ScreenOptions {
	monitor: ScreenMonitor;
	/** The emergency menu, Redis and the rest of the guide's parts. */
	guide?: import('../core/guide/guide-parts.ts').GuideParts;
	colour: boolean;
	maxFps: number;
	/** Stops everything behind the monitor (the lab, Docker streams). */
	shutdown: () => Promise<void>;
	/** Runs once the first frame is on screen (the lab starts then). */
	onFirstFrame?: () => void;
	/** Runs once the monitor has started (the automation loop). */
	onStart?: () => void;
	/** The monitor starts when this resolves (the lab is up); the screen is drawn before. */
	ready?: Promise<unknown>;
	stdin?: NodeJS.ReadStream;
	stdout?: NodeJS.WriteStream;
	/** Saves log lines (the s key in the log view) and says where they went. */
	saveLogs: (events: StoredEvent[]) => Promise<string>;
	/** Writes an incident bundle (the B key) and says where it went. */
	saveBundle?: (snapshot: Snapshot) => Promise<string>;
	/** Takes the screen's figures once a second, for measurements; left out, none are taken. */
	stats?: (stats: object) => void;
}

/**
 * For measurements (npm run bench): what the console received, dropped and drew, and its
 * memory, once a second, to `sink` (the CLI writes them to CANARY_CONSOLE_STATS_FILE).
 */
function writeStats(monitor: ScreenMonitor, writer: FrameWriter, sink: ((stats: object) => void) | undefined, logFrames: () => number): () => void {
	if (!sink) return () => {};
	let publishes = 0;
	const unsubscribe = monitor.subscribe(() => publishes++);
	const timer = setInterval(() => {
		const store = monitor.getSnapshot().logs;
		const stats = {at: Date.now(), received: store.received, dropped: {stable: store.dropped('stable'), canary: store.dropped('canary')}, notKept: {stable: store.notKept('stable'), canary: store.notKept('canary')}, publishes: publishes + logFrames(), bytes: writer.bytesWritten, memory: process.memoryUsage()};
		sink(stats);
	}, 1000);
	timer.unref();
	return () => {
		clearInterval(timer);
		unsubscribe();
	};
}

// What a write to a terminal that went away fails with.
const TERMINAL_GONE = new Set(['EIO', 'EPIPE', 'ENXIO']);

export async function runScreen(options: ScreenOptions): Promise<number> {
	const stdin = options.stdin ?? process.stdin;
	const stdout = options.stdout ?? process.stdout;
	const writer = new FrameWriter(stdout, {maxFps: options.maxFps});
	let restored = false;
	// Set when a write to the terminal failed: it went away (SSH dropped, tmux killed).
	let terminalGone = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		if (terminalGone) return;
		writer.close();
		stdout.write(LEAVE_ALT_SCREEN);
	};
	const sizeListeners = new Set<() => void>();
	let size: Size = {columns: writer.columns, rows: writer.rows};
	writer.on('resize', () => {
		size = {columns: writer.columns, rows: writer.rows};
		for (const listener of sizeListeners) listener();
	});

	let resolveExit: (code: number) => void = () => {};
	const exited = new Promise<number>((resolve) => {
		resolveExit = resolve;
	});
	let quitting = false;
	const quit = async (code: number) => {
		if (quitting) return;
		quitting = true;
		try {
			instance.unmount();
		} catch {
			// Already unmounted.
		}
		restore();
		if (options.monitor.actions.busy && !terminalGone) process.stderr.write('finishing the weight change in progress before exiting...\n');
		await options.monitor.actions.settle(30_000);
		await options.monitor.stop().catch(() => {});
		await options.shutdown().catch(() => {});
		resolveExit(code);
	};
	const onSignal = (signal: NodeJS.Signals) => {
		void quit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143);
	};
	// A vanished terminal fails every write with EIO (or EPIPE): that is a hangup, not a crash.
	// Nothing more may be written then: reporting the failure on the same terminal would fail
	// again and loop.
	const onOutputError = (error: NodeJS.ErrnoException): void => {
		if (!TERMINAL_GONE.has(error.code ?? '')) return onCrash(error);
		terminalGone = true;
		void quit(129);
	};
	let crashed = false;
	const onCrash = (error: unknown): void => {
		if (TERMINAL_GONE.has((error as NodeJS.ErrnoException | null)?.code ?? '')) return onOutputError(error as NodeJS.ErrnoException);
		if (crashed) return;
		crashed = true;
		restore();
		if (!terminalGone) process.stderr.write(`canary-console crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		void quit(70);
	};
	stdout.on('error', onOutputError);
	process.stderr.on('error', onOutputError);
	stdin.on('error', onOutputError);
	process.on('SIGTERM', onSignal);
	process.on('SIGHUP', onSignal);
	process.on('SIGINT', onSignal);
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	// The last resort: whatever ends the process, the terminal is given back.
	process.on('exit', restore);

	await installOutputCache();
	stdout.write(ENTER_ALT_SCREEN);
	// Frames whose only news is log lines: their rows replaced in the last frame, no React render.
	const logRegion: LogRegionRef = {current: null};
	let logFrames = 0;
	const stopLogFrames = options.monitor.onLogFrame?.(() => drawLogFrame(logRegion.current, writer) && ++logFrames > 0) ?? (() => {});
	const instance = render(
		<App
			monitor={options.monitor}
			guide={options.guide}
			size={{get: () => size, subscribe: (listener) => (sizeListeners.add(listener), () => sizeListeners.delete(listener))}}
			colour={options.colour}
			onQuit={() => void quit(0)}
			saveLogs={options.saveLogs}
			saveBundle={options.saveBundle}
			logRegion={logRegion}
		/>,
		{
			stdout: writer as unknown as NodeJS.WriteStream,
			stdin,
			debug: true,
			exitOnCtrlC: false,
			patchConsole: false,
		},
	);
	// A 'readable' listener only hears that input arrived; Ink reads it.
	const onInput = () => writer.expedite();
	stdin.prependListener('readable', onInput);
	// render() drew the first frame synchronously (the frame writer sends the first at once).
	options.onFirstFrame?.();
	let stopStats = () => {};
	Promise.resolve(options.ready).then(
		() => {
			if (quitting) return;
			options.monitor.start();
			options.onStart?.();
			stopStats = writeStats(options.monitor, writer, options.stats, () => logFrames);
		},
		(error: Error) => {
			restore();
			process.stderr.write(`canary-console: could not start: ${error.message}\n`);
			void quit(1);
		},
	);
	const code = await exited;
	stopStats();
	stopLogFrames();
	process.off('SIGTERM', onSignal);
	process.off('SIGHUP', onSignal);
	process.off('SIGINT', onSignal);
	process.off('uncaughtException', onCrash);
	process.off('unhandledRejection', onCrash);
	stdout.off('error', onOutputError);
	process.stderr.off('error', onOutputError);
	stdin.off('error', onOutputError);
	stdin.off('readable', onInput);
	return code;
}
