import type {Monitor} from './core/monitor/monitor.ts';
import {parseDuration} from './core/automation/gate.ts';
import {bundleFiles, type BundleFile} from './core/automation/bundle.ts';
import {writeReport} from './adapters/files/report-file.ts';
import {writeTarGz} from './adapters/files/tar-gz.ts';
import type {Snapshot} from './core/monitor/snapshot.ts';
import {formatSplit, parseSplit, type Split} from './domain/upstream.ts';
import {renderStatusText, sampleJson, snapshotToJson, type StatusBasis} from './core/monitor/snapshot-text.ts';

// The headless commands: the same Monitor and the same weight flow as the screen, for
// scripts and pipelines. Exit codes of weight changes: 0 verified, 1 failed, 2 not verified,
// 3 refused (lock, validation, stale file, audit log not writable, missing --yes).

export interface HeadlessOptions {
	command: 'status' | 'promote' | 'rollback' | 'weights' | 'restart-proxy' | 'report' | 'bundle';
	args: string[];
	json: boolean;
	yes: boolean;
	shutdown: () => Promise<void>;
	/** How long `status --now` waits for a first verdict; default two polls, at most 20 s. */
	waitMs?: number;
	/** status: print an instant snapshot instead of watching one analysis window. */
	now?: boolean;
	/** Where status writes its progress line (default stderr). */
	progress?: (text: string) => void;
	/** report and bundle: where the file goes. */
	out?: string;
	/** bundle: the span, e.g. 15m. */
	since?: string;
	/** bundle: nginx's config as nginx reads it. */
	readSeen?: () => Promise<string>;
	/** bundle: files only the runtime can add (Docker inspect, nginx -T). */
	extras?: () => Promise<BundleFile[]>;
}

const write = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

const SIGNAL_CODES: Record<string, number> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143};
/** A weight change finishes its steps (at most this long) before a signal ends the process. */
const SETTLE_MS = 30_000;

export async function runHeadless(monitor: Monitor, options: HeadlessOptions): Promise<number> {
	let interrupted: NodeJS.Signals | null = null;
	const onSignal = (signal: NodeJS.Signals) => {
		if (interrupted) process.exit(SIGNAL_CODES[signal] ?? 1);
		interrupted = signal;
		if (monitor.actions.busy) {
			// The change runs to its end and the command exits with the change's own code.
			process.stderr.write(`${signal}: finishing the weight change in progress first (send it again to stop at once)\n`);
			return;
		}
		void monitor.actions.settle(SETTLE_MS).then(async () => {
			await monitor.stop().catch(() => {});
			await options.shutdown().catch(() => {});
			process.exit(SIGNAL_CODES[signal] ?? 1);
		});
	};
	for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
	monitor.start();
	try {
		if (options.command === 'status') return await status(monitor, options);
		if (options.command === 'restart-proxy') return await restart(monitor, options);
		if (options.command === 'report' || options.command === 'bundle') return await files(monitor, options);
		return await change(monitor, options);
	} finally {
		for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
		await monitor.stop().catch(() => {});
		await options.shutdown().catch(() => {});
	}
}

async function status(monitor: Monitor, options: HeadlessOptions): Promise<number> {
	if (!options.now) return watchedStatus(monitor, options);
	// Long enough for a verdict, one split sample and a resource reading of both engines.
	const wait = options.waitMs ?? Math.min(20_000, Math.max(monitor.config.pollIntervalMs * 3, monitor.config.verifyTimeoutMs));
	const engineReady = (engine: Snapshot['engines']['stable']) => engine.probe.state !== 'waiting' && (engine.resources !== null || engine.resourcesError !== null);
	await monitor.until(
		(snapshot) =>
			snapshot.verdict !== null &&
			snapshot.split.sampledAt !== null &&
			!snapshot.split.sampling &&
			engineReady(snapshot.engines.stable) &&
			engineReady(snapshot.engines.canary),
		wait,
	);
	const snapshot = monitor.current();
	printStatus(monitor, snapshot, options, {kind: 'instant', seconds: (snapshot.at - snapshot.startedAt) / 1000});
	return 0;
}

/**
 * The default status: watch one whole analysis window, then judge it. A verdict on the two
 * seconds after start would say INCONCLUSIVE during a fault that a minute shows plainly.
 */
async function watchedStatus(monitor: Monitor, options: HeadlessOptions): Promise<number> {
	const seconds = monitor.config.windowSec;
	const say = options.progress ?? ((text: string) => process.stderr.write(text));
	const tty = process.stderr.isTTY === true && !options.progress;
	const began = Date.now();
	const deadline = began + seconds * 1000 + monitor.config.pollIntervalMs;
	let shown = -1;
	await monitor.until((snapshot) => {
		const elapsed = Math.floor((Date.now() - began) / 1000);
		const step = tty ? elapsed : Math.floor(elapsed / 10) * 10;
		if (step !== shown) {
			shown = step;
			const canary = snapshot.engines.canary.figures?.requests ?? 0;
			const stable = snapshot.engines.stable.figures?.requests ?? 0;
			say(`${tty ? '\r\x1b[K' : ''}status: watching a ${seconds} s window, ${Math.min(elapsed, seconds)} s so far (stable ${stable}, canary ${canary} requests)${tty ? '' : '\n'}`);
		}
		return Date.now() >= deadline;
	}, seconds * 1000 + monitor.config.pollIntervalMs + 1000);
	if (tty) say('\r\x1b[K');
	// The window is judged as a recorded analysis window: the same verdict the screen records.
	monitor.analyse();
	const snapshot = monitor.current();
	printStatus(monitor, snapshot, options, {kind: 'window', seconds});
	return 0;
}

function printStatus(monitor: Monitor, snapshot: Snapshot, options: HeadlessOptions, basis: StatusBasis): void {
	// Where this deployment's audit log, lock and backups are: the first question when something looks off.
	const paths = {stateDir: monitor.actions.stateDir, auditPath: monitor.actions.audit.path};
	write(options.json ? JSON.stringify({...snapshotToJson(snapshot, basis), paths}, null, 2) : `${renderStatusText(snapshot, basis).trimEnd()}\nstate ${paths.stateDir}  audit log ${paths.auditPath}`);
}

async function change(monitor: Monitor, options: HeadlessOptions): Promise<number> {
	const ready = await monitor.until((snapshot) => snapshot.split.configured !== null || snapshot.split.configError !== null, 10_000);
	let snapshot: Snapshot = monitor.current();
	if (!ready || !snapshot.split.configured) {
		return report(options, 3, 'refused', snapshot.split.configError ?? `could not read the upstream from ${monitor.config.docker.nginxConfig.host}`);
	}
	let to: Split | undefined;
	if (options.command === 'weights') {
		const split = parseSplit(options.args[0] ?? '');
		if ('error' in split) return report(options, 3, 'refused', `weights needs a split like 50/50: ${split.error}`);
		to = split;
	}
	const kind = options.command === 'weights' ? 'set' : (options.command as 'promote' | 'rollback');
	await monitor.actions.request(kind, to);
	const state = monitor.actions.state;
	if (state.phase !== 'confirm') {
		snapshot = monitor.current();
		return report(options, 3, 'refused', snapshot.notices.at(-1)?.text ?? 'the change was refused');
	}
	if (!options.yes) {
		const diff = state.diff.join('\n');
		return report(options, 3, 'refused', `${kind} ${formatSplit(state.from)} -> ${formatSplit(state.to)} needs --yes to apply:\n${diff}`);
	}
	const result = await monitor.actions.confirm();
	if (!result) return report(options, 1, 'failed', 'the change did not start');
	const code = result.outcome === 'verified' ? 0 : result.outcome === 'not-verified' ? 2 : result.outcome === 'refused' ? 3 : 1;
	if (options.json) {
		write(JSON.stringify({outcome: result.outcome, status: result.status, restartOffered: result.restartOffered ?? false, from: result.from, to: result.to, message: result.message, steps: result.steps, sample: sampleJson(result.sample ?? null), diff: result.diff ?? null, auditError: result.auditError ?? null}, null, 2));
	} else {
		for (const step of result.steps) write(`${step.state.padEnd(7)} ${step.name.padEnd(10)} ${step.message}`);
		if (result.diff?.length) write(`the file changed outside the console:\n${result.diff.join('\n')}`);
		write(`${result.outcome.toUpperCase()}: ${result.message}`);
	}
	return code;
}

async function restart(monitor: Monitor, options: HeadlessOptions): Promise<number> {
	const name = monitor.config.docker.names.nginx;
	if (!options.yes) return report(options, 3, 'refused', `restart-proxy restarts ${name} (traffic stops for a moment): add --yes`);
	monitor.actions.requestRestart();
	const result = await monitor.actions.confirmRestart();
	if (!result) return report(options, 1, 'failed', 'the restart did not start');
	return report(options, result.ok ? 0 : 1, result.outcome, result.message);
}

function report(options: HeadlessOptions, code: number, outcome: string, message: string): number {
	write(options.json ? JSON.stringify({outcome, message}, null, 2) : `${outcome.toUpperCase()}: ${message}`);
	return code;
}

/** report and bundle: a first verdict, then the file; its path (and a bundle's size) on stdout. */
async function files(monitor: Monitor, options: HeadlessOptions): Promise<number> {
	const since = options.command === 'bundle' ? parseDuration(options.since ?? '15m') : 0;
	if (typeof since !== 'number') {
		process.stderr.write(`canary-console: --since: ${since.error}\n`);
		return 2;
	}
	await monitor.until((snapshot) => snapshot.verdict !== null, Math.max(monitor.config.pollIntervalMs * 3, 6000));
	await monitor.timeline.ready;
	const snapshot = monitor.current();
	if (options.command === 'report') {
		const path = options.out ?? 'canary-console-report.md';
		await writeReport({auditPath: monitor.config.auditPath, verdictHistory: snapshot.verdictHistory, snapshot, path});
		write(`wrote ${path}`);
		return 0;
	}
	const stamp = new Date(snapshot.at).toISOString().replace(/[:.]/g, '-').slice(0, 19);
	const path = options.out ?? `canary-bundle-${stamp}.tar.gz`;
	const nginx = options.readSeen ? await options.readSeen().then((text) => ({text}), (error: Error) => ({error: error.message})) : {error: 'the proxy cannot be read here'};
	const audit = (await monitor.actions.audit.tail?.(4 << 20)) ?? [];
	const started = Date.now();
	const extra = (await options.extras?.().catch((error: Error) => [{name: 'docker-error.txt', content: `${error.message}\n`}])) ?? [];
	const bytes = await writeTarGz(path, bundleFiles({snapshot, since: snapshot.at - since, audit, nginx, extra}, `canary-bundle-${stamp}`), snapshot.at);
	write(`wrote ${path} (${(bytes / 1024).toFixed(1)} KB in ${Date.now() - started} ms)`);
	return 0;
}
