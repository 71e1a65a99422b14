// The tests' one port picker: loopback ports the OS handed out a moment ago.

import {createServer, type AddressInfo, type Server} from 'node:net';

/** `count` distinct loopback ports that were free a moment ago (all held at once, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(
		Array.from({length: count}, () =>
			new Promise<Server>((resolve, reject) => {
				const server = createServer();
				server.once('error', reject);
				server.listen(0, '127.0.0.1', () => resolve(server));
			}),
		),
	);
	const ports = servers.map((server) => (server.address() as AddressInfo).port);
	await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
	return ports;
}

/** One loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
	const [port] = await freePorts(1);
	return port;
}
