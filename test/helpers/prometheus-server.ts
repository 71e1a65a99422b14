// A real Prometheus server for the tests: Debian's `prometheus` binary run directly, with a
// generated scrape config, a temporary storage directory and a free port of its own (never
// 9090, where the package's own service may listen).

import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {freePort} from './ports.ts';
import {waitUntil} from './wait.ts';

/** The prometheus binary: PROMETHEUS_BIN, else the first on PATH or in /usr/bin; null when none. */
export function findPrometheus(): string | null {
	if (process.env.PROMETHEUS_BIN) return process.env.PROMETHEUS_BIN;
	const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin'];
	for (const dir of dirs) if (dir && existsSync(join(dir, 'prometheus'))) return join(dir, 'prometheus');
	return null;
}

export interface ScrapeTarget {
	/** host:port of the engine's /metrics. */
	address: string;
	labels: Record<string, string>;
}

export interface PrometheusServer {
	url: string;
	process: ChildProcess;
	/** Stops it (SIGTERM, then SIGKILL) and waits for the exit. */
	stop(): Promise<void>;
	/** Stops it and removes its storage. */
	close(): Promise<void>;
	output(): string;
}

export async function startPrometheus(targets: ScrapeTarget[], options: {scrapeIntervalSec?: number} = {}): Promise<PrometheusServer> {
	const binary = findPrometheus();
	if (!binary) throw new Error('prometheus is not installed: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
	const dir = await mkdtemp(join(tmpdir(), 'canary-prometheus-'));
	const interval = `${options.scrapeIntervalSec ?? 1}s`;
	const scrape = targets
		.map((t) => `      - targets: ['${t.address}']\n        labels:\n${Object.entries(t.labels).map(([k, v]) => `          ${k}: '${v}'`).join('\n')}`)
		.join('\n');
	await writeFile(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\nscrape_configs:\n  - job_name: engines\n    scrape_interval: ${interval}\n    scrape_timeout: ${interval}\n    static_configs:\n${scrape}\n`);
	const port = await freePort();
	const child = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {stdio: ['ignore', 'pipe', 'pipe']});
	let log = '';
	const keep = (chunk: Buffer) => {
		log = (log + chunk.toString()).slice(-8000);
	};
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	let running = true;
	child.once('exit', () => {
		running = false;
	});
	const url = `http://127.0.0.1:${port}`;
	const stop = async () => {
		if (running) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(timer);
		}
	};
	const server: PrometheusServer = {url, process: child, stop, close: async () => {
		await stop();
		await rm(dir, {recursive: true, force: true});
	}, output: () => log};
	try {
		await waitUntil('Prometheus ready', async () => running && (await fetch(`${url}/-/ready`)).ok, {timeoutMs: 30_000, everyMs: 100, detail: () => log});
		// Every target scraped at least once and up.
		await waitUntil(
			'every engine scraped by Prometheus',
			async () => {
				const answer = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent('up{job="engines"} == 1')}`)).json()) as {data: {result: unknown[]}};
				return answer.data.result.length === targets.length;
			},
			{timeoutMs: 30_000, everyMs: 200, detail: () => log},
		);
	} catch (error) {
		await server.close();
		throw error;
	}
	return server;
}

/** One instant query straight to the API, as a person pasting it into Prometheus' UI would run it. */
export async function queryValue(url: string, query: string): Promise<number | null> {
	const answer = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {status: string; data: {result: {value: [number, string]}[]}};
	if (answer.status !== 'success') throw new Error(`query failed: ${query}`);
	const value = answer.data.result[0]?.value[1];
	return value === undefined ? null : Number(value);
}

/** Every series' value of an instant query, by the value of `label`. */
export async function queryByLabel(url: string, query: string, label: string): Promise<Record<string, number>> {
	const answer = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {status: string; data: {result: {metric: Record<string, string>; value: [number, string]}[]}};
	if (answer.status !== 'success') throw new Error(`query failed: ${query}`);
	return Object.fromEntries(answer.data.result.map((series) => [series.metric[label] ?? '', Number(series.value[1])]));
}
