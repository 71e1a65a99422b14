import assert from 'node:assert/strict';
import {test} from 'node:test';
import type Docker from 'dockerode';
import {parseLifecycleEvent} from '../source/adapters/docker/lifecycle.ts';
import {stateOf} from '../source/adapters/docker/stats.ts';

const names = {stable: 'engine-stable', canary: 'engine-canary'};
const event = (action: string, name: string, attributes: Record<string, string> = {}) =>
	JSON.stringify({Type: 'container', Action: action, status: action, time: 1765000000, timeNano: 1765000000123456789, Actor: {ID: 'abc', Attributes: {name, image: 'x', ...attributes}}});

test('Docker events as lifecycle events of the engines: die with its exit code, oom, start', () => {
	assert.deepEqual(parseLifecycleEvent(event('die', 'engine-canary', {exitCode: '137'}), names), {engine: 'canary', at: 1765000000123, kind: 'die', exitCode: 137});
	assert.deepEqual(parseLifecycleEvent(event('oom', 'engine-canary'), names), {engine: 'canary', at: 1765000000123, kind: 'oom'});
	assert.deepEqual(parseLifecycleEvent(event('start', 'engine-stable'), names), {engine: 'stable', at: 1765000000123, kind: 'start'});
	assert.equal(parseLifecycleEvent(event('die', 'engine-stable'), names)?.exitCode, null, 'no exit code attribute');
	// Other containers, other actions and junk are not lifecycle events of the engines.
	assert.equal(parseLifecycleEvent(event('die', 'nginx-canary', {exitCode: '0'}), names), null);
	assert.equal(parseLifecycleEvent(event('exec_start: cat /etc/nginx/conf.d/default.conf', 'engine-canary'), names), null);
	assert.equal(parseLifecycleEvent('{"Type":"network","Action":"connect"}', names), null);
	assert.equal(parseLifecycleEvent('not json', names), null);
});

const inspect = (state: Partial<Docker.ContainerInspectInfo['State']>) => ({State: {Status: 'running', Running: true, Restarting: false, OOMKilled: false, ExitCode: 0, FinishedAt: '0001-01-01T00:00:00Z', ...state}}) as Pick<Docker.ContainerInspectInfo, 'State'>;

test('readings carry the state, the last exit code and the OOM flag from inspect', () => {
	assert.deepEqual(stateOf(inspect({})), {state: 'running', exitCode: null, oomKilled: false});
	assert.deepEqual(stateOf(inspect({Status: 'exited', Running: false, ExitCode: 137, OOMKilled: true, FinishedAt: '2026-12-06T10:00:00Z'})), {state: 'exited', exitCode: 137, oomKilled: true});
	assert.deepEqual(stateOf(inspect({Status: 'restarting', Running: true, Restarting: true, ExitCode: 1, FinishedAt: '2026-12-06T10:00:00Z'})), {state: 'restarting', exitCode: 1, oomKilled: false});
	// Running again: Docker has reset the code; only the die event still has it.
	assert.deepEqual(stateOf(inspect({ExitCode: 0, FinishedAt: '2026-12-06T10:00:00Z'})), {state: 'running', exitCode: null, oomKilled: false});
});
