// ProxyControl for the lab balancer: the same write -> validate -> reload -> read back steps
// the console runs against nginx, with the lab's own `nginx -t`.

import {readFile} from 'node:fs/promises';
import type {CommandResult, ProxyControl} from '../core/types.ts';
import type {RolesConfig} from '../domain/replicas.ts';
import {writeInPlace} from '../adapters/files/in-place-write.ts';
import {checkConfig} from './balancer.ts';

export interface LabProxyOptions {
	configPath: string;
	upstream: string;
	roles: RolesConfig;
	/** Asks the running balancer to re-read the file (the lab sends SIGHUP to its process). */
	reload: () => Promise<{ok: boolean; message: string}>;
	restart?: () => Promise<{ok: boolean; message: string}>;
}

function toResult(result: {ok: boolean; message: string}): CommandResult {
	return {ok: result.ok, exitCode: result.ok ? 0 : 1, output: result.message};
}

export function createLabProxy(options: LabProxyOptions): ProxyControl {
	const {configPath, upstream, roles} = options;
	const control: ProxyControl = {
		describe: 'lab balancer (no nginx on PATH)',
		configPath,
		readHost: () => readFile(configPath, 'utf8'),
		// The balancer reads the host file itself: what it sees is the host file.
		readSeen: () => readFile(configPath, 'utf8'),
		writeHost: text => writeInPlace(configPath, text),
		async validate() {
			const result = await checkConfig(configPath, upstream, roles);
			return {ok: result.ok, exitCode: result.ok ? 0 : 1, output: result.output};
		},
		async reload() {
			try {
				return toResult(await options.reload());
			} catch (error) {
				return {ok: false, exitCode: null, output: `reload failed: ${error instanceof Error ? error.message : String(error)}`};
			}
		},
	};
	const {restart} = options;
	if (restart) {
		control.restart = async () => {
			try {
				return toResult(await restart());
			} catch (error) {
				return {ok: false, exitCode: null, output: `restart failed: ${error instanceof Error ? error.message : String(error)}`};
			}
		};
	}
	return control;
}
