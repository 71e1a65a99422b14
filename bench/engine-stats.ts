import {createServer} from 'node:net';

// The lab engines' own line counts (GET /__lab/stats) and their background log rate
// (POST /__lab/faults), reached on the ports the bench gave the demo with --lab-ports.

export interface EngineLineStats {
	linesWritten: number;
	linesDropped: number;
}

export function parseEngineStats(body: unknown): EngineLineStats {
	const b = body as Partial<EngineLineStats> | null;
	if (!b || typeof b.linesWritten !== 'number' || typeof b.linesDropped !== 'number') throw new Error('/__lab/stats answered without linesWritten and linesDropped');
	return {linesWritten: b.linesWritten, linesDropped: b.linesDropped};
}

export async function engineStats(port: number): Promise<EngineLineStats> {
	const response = await fetch(`http://127.0.0.1:${port}/__lab/stats`, {signal: AbortSignal.timeout(2000)});
	if (!response.ok) throw new Error(`/__lab/stats on port ${port} answered ${response.status}`);
	return parseEngineStats(await response.json());
}

/** Both engines added up. */
export async function engineTotals(ports: number[]): Promise<EngineLineStats> {
	const all = await Promise.all(ports.map(engineStats));
	return {linesWritten: all.reduce((s, x) => s + x.linesWritten, 0), linesDropped: all.reduce((s, x) => s + x.linesDropped, 0)};
}

export async function setLogRate(port: number, logRate: number): Promise<void> {
	const response = await fetch(`http://127.0.0.1:${port}/__lab/faults`, {method: 'POST', body: JSON.stringify({logRate}), headers: {'content-type': 'application/json'}, signal: AbortSignal.timeout(2000)});
	if (!response.ok) throw new Error(`/__lab/faults on port ${port} answered ${response.status}`);
	await response.arrayBuffer();
}

/** `count` distinct loopback ports that were free a moment ago (the OS picked them). */
export async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(
		Array.from({length: count}, () => new Promise<import('node:net').Server>((resolve, reject) => {
			const server = createServer();
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => resolve(server));
		})),
	);
	const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
	await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
	return ports;
}
