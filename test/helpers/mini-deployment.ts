import {createServer, type Server} from 'node:http';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';
import {startBalancer, type BalancerHandle} from '../../source/lab/balancer.ts';
import {createLabProxy} from '../../source/lab/lab-proxy.ts';
import {renderLabConfig} from '../../source/lab/lab-config.ts';
import {buildConfig, type Config} from '../../source/config.ts';
import {Monitor} from '../../source/core/monitor/monitor.ts';
import {createHttpProbe} from '../../source/adapters/http-probe.ts';
import type {EngineRole, LogSink, LogSource, ProxyControl, StatsSource} from '../../source/core/types.ts';
import {openState} from '../../source/adapters/files/deployment-state.ts';
import {httpSplitSampler} from '../../source/adapters/split-sampler.ts';
import {settle} from './wait.ts';

// A small in-process deployment for screen tests: two tiny engines, the lab balancer over a
// real config file, and a Monitor on top. Fast to start, real HTTP and real files throughout.

function engine(version: string): Promise<Server> {
	const server = createServer((req, res) => {
		if (req.url === '/healthz') {
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({status: 'healthy', version, pool: {queue_depth: 0}}));
			return;
		}
		if (req.url === '/metrics') {
			res.end('# TYPE involution_requests_total counter\ninvolution_requests_total{method="POST",endpoint="/v1/positions",status_code="200"} 10\n');
			return;
		}
		res.end('ok');
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const port = (server: Server) => (server.address() as AddressInfo).port;

export interface MiniDeployment {
	monitor: Monitor;
	config: Config;
	configPath: string;
	proxy: ProxyControl;
	sink: () => LogSink | undefined;
	close(): Promise<void>;
}

export async function startMiniDeployment(overrides: Record<string, unknown> = {}): Promise<MiniDeployment> {
	const dir = mkdtempSync(join(tmpdir(), 'canary-console-test-'));
	const [stable, canary] = await Promise.all([engine('1.1.0'), engine('1.2.0')]);
	const roles = {stable: `127.0.0.1:${port(stable)}`, canary: `127.0.0.1:${port(canary)}`};
	const configPath = join(dir, 'canary.conf');
	writeFileSync(configPath, renderLabConfig({upstream: 'involution_engine', ...roles, split: {stable: 90, canary: 10}, listenPort: 0}));
	const balancer: BalancerHandle = await startBalancer({configPath, upstream: 'involution_engine', roles, port: 0});
	const proxy = createLabProxy({configPath, upstream: 'involution_engine', roles, reload: () => balancer.reload()});
	let sink: LogSink | undefined;
	const logs: LogSource = {follow: (_engine: EngineRole, s: LogSink) => void (sink = s)};
	const stats: StatsSource = {read: async () => ({memUsed: 100 << 20, memLimit: 512 << 20, cpuPercent: 2, startedAt: Date.now() - 60_000, restarts: 0})};
	const config = buildConfig([
		{
			urls: {balancer: `http://127.0.0.1:${balancer.port}`, stable: `http://${roles.stable}`, canary: `http://${roles.canary}`},
			roles,
			auditPath: join(dir, 'audit.jsonl'),
			stateDir: join(dir, 'state'),
			pollIntervalMs: 300,
			windowSec: 5,
			analysisIntervalSec: 1,
			verifyTimeoutMs: 5000,
			sampleSize: 100,
			maxFps: 50,
			...overrides,
		},
	]);
	const monitor = new Monitor({openState, splitSampler: httpSplitSampler, config, http: createHttpProbe(), logs, stats, proxy, runtime: {kind: 'lab', describe: 'test deployment'}});
	return {
		monitor,
		config,
		configPath,
		proxy,
		sink: () => sink,
		async close() {
			await monitor.stop();
			await balancer.close();
			await Promise.all([stable, canary].map((server) => new Promise((resolve) => server.close(resolve))));
		},
	};
}

/** Waits until the check passes or the deadline; returns the last value for the assertion message. */
export const waitFor = settle;
