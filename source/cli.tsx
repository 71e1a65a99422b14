import meow from 'meow';
import {buildConfig, ConfigError, configFromEnv, readConfigFile, type Config} from './config.ts';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {realPathOf, resolveState} from './adapters/files/state-dir.ts';
import type {Monitor} from './core/monitor/monitor.ts';
import type {LabFlags, Runtime, RuntimeOptions} from './runtime.ts';

// The composition root: flags -> config -> real adapters (runtime.ts: Docker or the lab) ->
// the Monitor -> the screen or a headless command. With runtime.ts, the only place that picks
// concrete adapters. React's development build costs memory and CPU on every render; tests set NODE_ENV themselves.
process.env.NODE_ENV ??= 'production';
// lab children take their own flags: hand them over untouched, before meow sees them.
const argv = process.argv.slice(2);
if (argv[0] === 'lab') {
	const {runLabCommand, UsageError} = await import('./lab/run.ts');
	try {
		await runLabCommand(argv.slice(1));
	} catch (error) {
		process.stderr.write(`${error instanceof UsageError ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
		process.exit(2);
	}
} else {
	await runMain();
}

async function runMain(): Promise<void> {
const cli = meow(
	`
  Usage
    $ canary-console                    watch the canary deployment on this Docker host
    $ canary-console demo               start the built-in lab and watch it (no Docker needed)
    $ canary-console status [--json]    watch one analysis window (--window), judge it, print, exit;
                                        --now prints an instant snapshot instead
    $ canary-console promote --yes      move to the next stage, verify, exit 0/1/2/3
    $ canary-console rollback --yes     back to 100/0, verify
    $ canary-console weights 75/25 --yes
    $ canary-console restart-proxy --yes  restart nginx-canary (reconnects a detached config file)
    $ canary-console emergency ACTION --yes  to-stable, stop-canary (once 100/0 is verified), restart-nginx, restart-redis
    $ canary-console gate --for 10m     watch without a screen; exit 0 pass, 1 fail, 2 inconclusive
    $ canary-console report [--out FILE]  write a Markdown summary (audit timeline, verdicts, peaks)
    $ canary-console bundle [--since 15m] [--out FILE]  write an incident bundle (.tar.gz)
    $ canary-console lab engine ...     run a lab engine by itself (see: canary-console lab)

  Options
    --config FILE        JSON config file (see README: Configuration)
    --stable-url URL     stable engine, default http://localhost:8081
    --canary-url URL     canary engine, default http://localhost:8082
    --balancer-url URL   nginx, default http://localhost:8080
    --nginx-config FILE  the config holding the upstream, default ops/nginx/canary.conf
    --upstream NAME      upstream block name, default involution_engine
    --profile NAME       metric names: involution (default) or http
    --window SECONDS     window of the figures and the verdict, default 60
    --state-dir DIR      this deployment's audit log, lock, backups and saved logs
                         (default: below; the demo uses a temp dir of its own)
    --audit FILE         audit log (JSON lines), default audit.jsonl in the state dir
    --allow-no-audit     change weights even when the audit log cannot be written
    --demo               status/promote/rollback/weights against a fresh lab
    --balancer KIND      lab balancer: auto (nginx when installed), nginx or lab
    --lab-ports B,S,C    lab ports for balancer, stable, canary (default 9100,9101,9102;
                         a taken port is replaced by a free one); with --replicas one
                         per replica: B,S1..Sn,C1..Cm
    --rps N              lab load in requests/s (default 20)
    --log-rate N         extra lab log lines/s, split between the engines (for load tests)
    --seed N             lab randomness seed (0-4294967295): the same seed replays a run's
                         draws; without it one is drawn and shown on the runtime line
    --canary-faults JSON lab canary faults, merged over the demo's mild fault, e.g.
                         '{"crashLoop":{"afterMs":5000}}' (see README: The lab's faults)
    --stable-faults JSON lab stable faults, the same JSON
    --replicas S,C       lab engine replicas per role, e.g. 3,2 (default 1,1)
    --fault-replica ID   the role's lab faults go to this replica only, e.g. C2
    --lab-mem-limit MB   lab engines' memory limit (default 512): reaching it is an OOM kill
    --auto-rollback      roll back by itself after the failure budget of failed windows
    --auto-promote       promote by itself once the soak has passed and the last windows passed
    --webhook URL        POST stage changes, failures and rollbacks there (repeatable)
    --webhook-format F   json (default) or slack
    --for DURATION       how long gate watches, e.g. 10m, 1h30m (default 10m)
    --out FILE           where report writes (default canary-console-report.md)
    --report             write the report on exit too
    --json               machine-readable output
    --now                status: an instant snapshot instead of watching a window
    --yes                confirm a headless weight change or emergency action
    --no-color           no colours (NO_COLOR is honoured too)

  Keys on screen: press ? for help.
`,
	{
		importMeta: import.meta,
		allowUnknownFlags: false,
		// --help also prints the state directory, which depends on the config: printed below.
		autoHelp: false,
		flags: {
			help: {type: 'boolean', shortFlag: 'h', default: false},
			config: {type: 'string'},
			stableUrl: {type: 'string'},
			canaryUrl: {type: 'string'},
			balancerUrl: {type: 'string'},
			nginxConfig: {type: 'string'},
			upstream: {type: 'string'},
			profile: {type: 'string'},
			window: {type: 'number'},
			audit: {type: 'string'},
			stateDir: {type: 'string'},
			allowNoAudit: {type: 'boolean'},
			demo: {type: 'boolean', default: false},
			balancer: {type: 'string', default: 'auto'},
			labPorts: {type: 'string'},
			rps: {type: 'number'},
			logRate: {type: 'number'},
			seed: {type: 'string'},
			canaryFaults: {type: 'string'},
			stableFaults: {type: 'string'},
			replicas: {type: 'string'},
			faultReplica: {type: 'string'},
			labMemLimit: {type: 'number'},
			json: {type: 'boolean', default: false},
			now: {type: 'boolean', default: false},
			yes: {type: 'boolean', default: false},
			color: {type: 'boolean', default: true},
			autoRollback: {type: 'boolean', default: false},
			autoPromote: {type: 'boolean', default: false},
			webhook: {type: 'string', isMultiple: true},
			webhookFormat: {type: 'string', default: 'json'},
			for: {type: 'string', default: '10m'},
			out: {type: 'string'},
			since: {type: 'string', default: '15m'},
			report: {type: 'boolean', default: false},
		},
	},
);

function fail(message: string, code = 2): never {
	process.stderr.write(`canary-console: ${message}\n`);
	process.exit(code);
}

function loadConfig(): Config {
	const flags = cli.flags;
	const layers: unknown[] = [];
	if (flags.config) layers.push(readConfigFile(flags.config));
	layers.push(configFromEnv(process.env));
	layers.push({
		urls: {stable: flags.stableUrl, canary: flags.canaryUrl, balancer: flags.balancerUrl},
		upstream: flags.upstream,
		profile: flags.profile,
		windowSec: flags.window,
		auditPath: flags.audit,
		stateDir: flags.stateDir,
		allowNoAudit: flags.allowNoAudit,
		docker: flags.nginxConfig ? {nginxConfig: {host: flags.nginxConfig}} : undefined,
	});
	return buildConfig(layers);
}

type Notifier = import('./adapters/webhook.ts').Notifier;
type VerdictPoint = import('./core/automation/report.ts').VerdictPoint;

async function createNotifierFromFlags(monitor: Monitor): Promise<Notifier | undefined> {
	const urls = cli.flags.webhook ?? [];
	if (urls.length === 0) return undefined;
	const format = cli.flags.webhookFormat;
	if (format !== 'json' && format !== 'slack') fail(`--webhook-format must be json or slack (got ${format})`);
	const {createNotifier, WebhookConfigError} = await import('./adapters/webhook.ts');
	try {
		// Delivery never blocks the screen; failures show as notices and are retried.
		return createNotifier({urls, format, onFailure: (failure) => monitor.notice('warn', `webhook: ${failure.message}`)});
	} catch (error) {
		if (error instanceof WebhookConfigError) fail(error.message);
		throw error;
	}
}

/** The lab's flags, checked: bad values stop here with a usage message. */
async function labFlags(): Promise<LabFlags> {
	const balancer = cli.flags.balancer;
	if (balancer !== 'auto' && balancer !== 'nginx' && balancer !== 'lab') fail(`--balancer must be auto, nginx or lab (got ${balancer})`);
	const logRate = cli.flags.logRate ?? 0;
	if (!(logRate >= 0) || (cli.flags.rps !== undefined && !(cli.flags.rps >= 0))) fail('--rps and --log-rate must be numbers, 0 or more');
	const [{parseSeed}, {parseFaultsPatch}, {parseLabPorts, parseReplicaFlags}] = await Promise.all([import('./domain/seeded-random.ts'), import('./lab/faults.ts'), import('./lab/lab-replicas.ts')]);
	const replicas = parseReplicaFlags(cli.flags.replicas, cli.flags.faultReplica);
	if ('error' in replicas) fail(replicas.error);
	const ports = cli.flags.labPorts === undefined ? {ports: undefined} : parseLabPorts(cli.flags.labPorts, replicas.replicas);
	if ('error' in ports) fail(ports.error);
	let seed: number | undefined;
	if (cli.flags.seed !== undefined) seed = parseSeed(cli.flags.seed) ?? fail(`--seed must be a whole number from 0 to 4294967295 (got ${cli.flags.seed})`);
	const faults = (flag: 'canaryFaults' | 'stableFaults', name: string) => {
		const text = cli.flags[flag];
		if (text === undefined) return undefined;
		try {
			return parseFaultsPatch(JSON.parse(text));
		} catch (error) {
			return fail(`${name}: ${error instanceof SyntaxError ? 'not JSON' : (error as Error).message} (got ${text})`);
		}
	};
	const memLimitMb = cli.flags.labMemLimit;
	if (memLimitMb !== undefined && !(memLimitMb >= 64 && memLimitMb <= 65_536)) fail(`--lab-mem-limit must be from 64 to 65536 MB (got ${memLimitMb})`);
	return {
		balancer, logRate, rps: cli.flags.rps, ...ports, audit: cli.flags.audit, seed,
		canaryFaults: faults('canaryFaults', '--canary-faults'), stableFaults: faults('stableFaults', '--stable-faults'),
		memLimit: memLimitMb === undefined ? undefined : memLimitMb * 1024 * 1024,
		...replicas,
	};
}

async function startRuntime(config: Config, demo: boolean, options: RuntimeOptions = {}): Promise<Runtime> {
	const {startDemoRuntime, startDockerRuntime} = await import('./runtime.ts');
	return demo ? startDemoRuntime(config, await labFlags(), options) : startDockerRuntime(resolveState(config), options);
}

/** --help: the usage, then where this deployment's state goes (it depends on flags and config). */
function help(demo: boolean): number {
	process.stdout.write(cli.help.endsWith('\n') ? `${cli.help}\n` : `${cli.help}\n\n`);
	let where: string;
	try {
		const config = loadConfig();
		if (demo && !config.stateDir) {
			where = `  State directory: a temporary directory of the demo's own, ${join(tmpdir(), 'canary-console-demo')}/<lab>\n  (set --state-dir to choose it)`;
		} else {
			const resolved = resolveState(config);
			const file = realPathOf(resolved.docker.nginxConfig.host);
			where = `  State directory (audit log, lock, backups, saved logs) of the deployment of ${file}:\n    ${resolved.stateDir}\n  Audit log:\n    ${resolved.auditPath}`;
		}
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		where = `  State directory: unknown until the config is fixed:\n    ${error.message.replace(/\n/g, '\n    ')}`;
	}
	process.stdout.write(`${where}\n\n`);
	return 0;
}

async function interactive(config: Config, demo: boolean): Promise<number> {
	if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
		fail(`the console needs a terminal (stdin and stdout must be a TTY).\n  For scripts and CI use: canary-console status${demo ? ' --demo' : ''} [--json]`);
	}
	const colour = cli.flags.color && !process.env.NO_COLOR;
	if (!colour) process.env.FORCE_COLOR = '0';
	// Before Ink loads: its text caches must be bounded for a console that runs all day. The
	// bundle (dist/, ops/build.ts) has them built in.
	if (!import.meta.url.endsWith('.js')) {
		const {registerInkPatches} = await import('./ui/ink-patches.ts');
		registerInkPatches();
	}
	const [{runScreen}, {Automation}, {screenFiles}] = await Promise.all([import('./ui/run-screen.tsx'), import('./core/automation/automation.ts'), import('./adapters/files/screen-files.ts')]);
	// The lab's processes start once the first frame is on screen: on a 2-core machine
	// they would otherwise compete with Ink's first render for the CPU.
	let drawn: () => void = () => {};
	const firstFrame = new Promise<void>((resolve) => (drawn = resolve));
	// The automation loop owns the analysis clock: verdicts are recorded once per window.
	const runtime = await startRuntime(config, demo, {analysisTimer: false, hold: firstFrame});
	const monitor = runtime.monitor;
	const notifier = await createNotifierFromFlags(monitor);
	const automation = new Automation(monitor, {autoRollback: cli.flags.autoRollback, autoPromote: cli.flags.autoPromote, notifier});
	monitor.attachAutomation(() => automation.view());
	return runScreen({
		monitor,
		guide: runtime.guide,
		colour,
		maxFps: config.maxFps,
		ready: runtime.ready,
		onFirstFrame: drawn,
		onStart: () => automation.start(),
		...screenFiles(monitor.actions.stateDir, process.env, {audit: monitor.actions.audit, proxy: runtime.proxy, extras: runtime.bundleExtras}),
		shutdown: async () => {
			await automation.stop();
			if (cli.flags.report) await writeReportFile(monitor, automation.history).catch((error: Error) => process.stderr.write(`report: ${error.message}\n`));
			await notifier?.flush(3000);
			notifier?.close();
			await runtime.shutdown();
		},
	});
}

async function writeReportFile(monitor: Monitor, verdictHistory: readonly VerdictPoint[] | null): Promise<string> {
	const {writeReport} = await import('./adapters/files/report-file.ts');
	const path = cli.flags.out ?? 'canary-console-report.md';
	const snapshot = await monitor.timeline.ready.then(() => monitor.current());
	await writeReport({auditPath: monitor.config.auditPath, verdictHistory: verdictHistory ?? snapshot.verdictHistory, snapshot, path});
	return path;
}

async function gate(config: Config): Promise<number> {
	const {runGate, parseDuration} = await import('./core/automation/gate.ts');
	const forMs = parseDuration(cli.flags.for);
	if (typeof forMs !== 'number') fail(`--for: ${forMs.error}`);
	const runtime = await startRuntime(config, cli.flags.demo, {analysisTimer: false});
	await runtime.ready;
	const notifier = await createNotifierFromFlags(runtime.monitor);
	try {
		const result = await runGate(runtime.monitor, {forMs, autoRollback: cli.flags.autoRollback, json: cli.flags.json, notifier});
		process.stdout.write(result.table.endsWith('\n') ? result.table : `${result.table}\n`);
		return result.code;
	} finally {
		await notifier?.flush(3000);
		notifier?.close();
		await runtime.monitor.stop().catch(() => {});
		await runtime.shutdown().catch(() => {});
	}
}

async function main(): Promise<number> {
	const [command = 'watch', ...rest] = cli.input;
	if (cli.flags.help) return help(command === 'demo' || cli.flags.demo);
	let config: Config;
	try {
		config = loadConfig();
	} catch (error) {
		if (error instanceof ConfigError) fail(error.message);
		throw error;
	}
	switch (command) {
		case 'watch':
		case 'demo':
			return interactive(config, command === 'demo' || cli.flags.demo);
		case 'emergency':
			return (await import('./emergency-command.ts')).emergencyCommand(await startRuntime(config, cli.flags.demo), {args: rest, json: cli.flags.json, yes: cli.flags.yes});
		case 'gate':
			return gate(config);
		case 'report':
		case 'bundle':
		case 'status':
		case 'promote':
		case 'rollback':
		case 'weights':
		case 'restart-proxy': {
			const {runHeadless} = await import('./headless.ts');
			const runtime = await startRuntime(config, cli.flags.demo);
			await runtime.ready;
			const files = {out: cli.flags.out, since: cli.flags.since, readSeen: runtime.proxy ? () => runtime.proxy!.readSeen() : undefined, extras: runtime.bundleExtras};
			return runHeadless(runtime.monitor, {command, args: rest, json: cli.flags.json, yes: cli.flags.yes, now: cli.flags.now, shutdown: runtime.shutdown, ...files});
		}
		default:
			fail(`unknown command "${command}". Run canary-console --help.`);
	}
}

const code = await main().catch((error: Error) => fail(error.name === 'DockerEndpointError' ? error.message : (error.stack ?? error.message), 1));
process.exit(code);
}
