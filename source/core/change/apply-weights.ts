// The one flow every weight change goes through, from the screen, the headless commands and
// the automatic rollback: lock -> read -> render -> check the container's view -> audit
// 'started' (refused when it cannot be written) -> backup (state dir) -> write in place -> read
// back -> nginx -t -> reload -> read back -> sample until verified.
// Each step is reported as it runs, and every attempt ends with an audit line.

import type {CommandResult, ProxyControl} from '../types.ts';
import {auditEntry, summarizeSample, type AuditAction, type AuditOutcome} from './audit.ts';
import type {SplitSample} from './split-sample.ts';
import {findUpstream, formatSplit, readSplit, renderSplit, type Split} from '../../domain/upstream.ts';
import {changedLines} from '../../domain/weight-plan.ts';
import {oneLine, resultOf, stepper, type ApplyDeps, type ApplyOutcome, type ApplyResult, type ApplyStatus, type ApplyStep} from './apply-steps.ts';

export type {ApplyDeps, ApplyOutcome, ApplyResult, ApplyStatus, ApplyStep, StepId} from './apply-steps.ts';
export {planChange, previewChange, changedLines, ALL_STABLE, type ChangeKind} from '../../domain/weight-plan.ts';

// nginx resolves every server of an upstream, `down` ones too, whenever it loads a config, and
// Docker's DNS has no name for a container while it is stopped or being restarted: during a
// crash loop nginx -t fails for a moment at a time. Docker's restart delay doubles from 100 ms up
// to a minute while the engine keeps crashing, so the name can be gone for up to 60 s at a time:
// tried again for up to 70 s before failing, so a rollback gets through in the next run.
// `nginx -s reload` reads the config too, so it is tried again the same way.
const HOST_NOT_FOUND = /host not found in upstream "([^"]+)"/;
const RESOLVE_RETRY_MS = 250;
const RESOLVE_ATTEMPTS = 280;

async function whileUnresolved(deps: ApplyDeps, report: (text: string) => void, command: () => Promise<CommandResult>): Promise<CommandResult> {
	const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	let result = await command();
	for (let attempt = 1; !result.ok && HOST_NOT_FOUND.test(result.output) && attempt < RESOLVE_ATTEMPTS; attempt++) {
		report(`${HOST_NOT_FOUND.exec(result.output)![1]} does not resolve (its container stopped or restarting?), trying again`);
		await sleep(RESOLVE_RETRY_MS);
		result = await command();
	}
	return result;
}

/** Why a command failed on a name that never resolved, for the message; '' otherwise. */
function unresolvedHint(output: string): string {
	const host = HOST_NOT_FOUND.exec(output)?.[1];
	return host ? ` nginx resolves every server of the upstream, down ones too, and ${host.replace(/:\d+$/, '')} did not resolve for ${(RESOLVE_ATTEMPTS * RESOLVE_RETRY_MS) / 1000} s: Docker gives a stopped or restarting container no name, so no change passes nginx -t until it runs again.` : '';
}

export interface ApplyRequest {
	action: AuditAction;
	to: Split;
	/** The host file as read when the key was pressed: the change is refused if it differs now. */
	expectedHostText?: string;
	automatic?: boolean;
	reason?: string;
	verdict?: unknown;
}

export function staleMessage(proxy: ProxyControl): string {
	return `nginx-canary sees a different file than ${proxy.configPath}: the single-file bind mount is detached (an editor or sed -i replaced the file). Restart nginx-canary to reconnect it.`;
}

function splitOf(text: string, deps: ApplyDeps): Split | {error: string} {
	const block = findUpstream(text, deps.upstream, deps.roles);
	return 'error' in block ? block : readSplit(block);
}

export async function applySplit(deps: ApplyDeps, request: ApplyRequest, onStep: (step: ApplyStep) => void = () => {}): Promise<ApplyResult> {
	const {proxy} = deps;
	const s = stepper(onStep, deps.now);
	const to = formatSplit(request.to);
	let from = '?';
	let old: string | null = null;
	let written = false;
	let reloaded = false;
	const extra: Partial<ApplyResult> = {};
	let release: (() => Promise<void>) | null = null;

	const audit = async (outcome: AuditOutcome, reason: string, sample?: SplitSample) =>
		deps.audit.append(auditEntry({
			action: request.action, from, to, outcome, reason,
			verification: summarizeSample(sample), automatic: request.automatic ?? false, verdict: request.verdict ?? null,
		}, deps.now));

	// Puts the old bytes back; says so in the step list and in the message.
	const restore = async (): Promise<string> => {
		if (old === null || !written) return '';
		s.run('restore', 'restoring the previous file');
		try {
			await proxy.writeHost(old);
			if ((await proxy.readHost()) !== old) throw new Error('the file does not read back as the previous bytes');
			written = false;
			s.done('restore', 'previous file restored');
			return ' The previous file was restored.';
		} catch (error) {
			s.fail('restore', `restore failed: ${(error as Error).message}`);
			return ` RESTORE FAILED (${(error as Error).message}): the previous file is in ${extra.backupPath ?? 'the backup'}.`;
		}
	};

	const end = async (outcome: ApplyOutcome, status: ApplyStatus, message: string, sample?: SplitSample): Promise<ApplyResult> => {
		if (old === null && status === 'lock-held') {
			// Refused before reading: the audit line still says where the split stood.
			const host = await proxy.readHost().catch(() => null);
			const current = host === null ? null : splitOf(host, deps);
			if (current && !('error' in current)) from = formatSplit(current);
		}
		const logged = await audit(outcome, `${request.reason ? `${request.reason}: ` : ''}${message}`, sample);
		return resultOf(outcome, status, {from, to, steps: s.steps, message, ...(sample ? {sample} : {}), ...extra, ...(logged.ok ? {} : {auditError: logged.message})});
	};

	try {
		s.run('lock', 'taking the lock');
		const lock = await deps.files.lock();
		if (!lock.ok) {
			s.fail('lock', lock.message);
			return await end('refused', 'lock-held', lock.message);
		}
		release = lock.release;
		s.done('lock', `locked by ${lock.holder.user}@${lock.holder.host}`);

		s.run('read', `reading ${proxy.configPath}`);
		try {
			old = await proxy.readHost();
		} catch (error) {
			const message = `cannot read ${proxy.configPath}: ${(error as Error).message}`;
			s.fail('read', message);
			return await end('failed', 'unreadable', message);
		}
		const current = splitOf(old, deps);
		if (!('error' in current)) from = formatSplit(current);
		if (request.expectedHostText !== undefined && old !== request.expectedHostText) {
			extra.diff = changedLines(request.expectedHostText, old);
			const message = `${proxy.configPath} changed since it was read; nothing written. Review the outside change and try again.`;
			s.fail('read', message);
			return await end('refused', 'changed-outside', message);
		}
		s.done('read', `current split ${from}`);

		s.run('render', `rendering ${to}`);
		const rendered = renderSplit(old, deps.upstream, deps.roles, request.to);
		if ('error' in rendered) {
			s.fail('render', rendered.error);
			return await end('refused', 'render-error', rendered.error);
		}
		const next = rendered.text;
		s.done('render', `upstream ${deps.upstream} set to ${to}`);

		s.run('check-seen', 'reading the file the proxy sees');
		if ((await proxy.readSeen()) !== old) {
			const message = staleMessage(proxy);
			extra.restartOffered = Boolean(proxy.restart);
			s.fail('check-seen', message);
			return await end('refused', 'stale-container-file', message);
		}
		s.done('check-seen', 'the proxy sees the host file');

		// From here on the file changes: leave a trace in case the process dies before the end.
		// A change nobody could trace afterwards is refused unless explicitly allowed.
		s.run('audit', `recording the attempt in ${deps.audit.path}`);
		const started = await audit('started', request.reason ?? '');
		if (!started.ok) {
			extra.auditError = started.message;
			if (!deps.allowNoAudit) {
				const message = `${started.message}; change refused, nothing was written. Fix the audit log (stateDir, auditPath) or allow changes without it (--allow-no-audit).`;
				s.fail('audit', message);
				return await end('refused', 'audit-unwritable', message);
			}
			s.fail('audit', `${started.message}; going on without it (--allow-no-audit)`);
		} else {
			s.done('audit', `recorded in ${deps.audit.path}`);
		}

		s.run('backup', 'saving a backup');
		const backup = await deps.files.backup(proxy.configPath, old, deps.now());
		extra.backupPath = backup.path;
		s.done('backup', `backup ${backup.path}${backup.pruneError ? ` (old backups not pruned: ${backup.pruneError})` : ''}`);

		s.run('write', `writing ${proxy.configPath} in place`);
		try {
			written = true;
			await proxy.writeHost(next);
		} catch (error) {
			const message = `write failed: ${(error as Error).message}.`;
			s.fail('write', message);
			return await end('failed', 'write-failed', message + (await restore()));
		}
		s.done('write', 'written and synced');

		s.run('read-back', 'reading back what the proxy sees');
		if ((await proxy.readSeen()) !== next) {
			const message = staleMessage(proxy);
			extra.restartOffered = Boolean(proxy.restart);
			s.fail('read-back', message);
			return await end('refused', 'stale-container-file', message + (await restore()));
		}
		s.done('read-back', 'the proxy sees the new file');

		s.run('validate', 'nginx -t');
		const checked = await whileUnresolved(deps, (text) => s.run('validate', `nginx -t: ${text}`), () => proxy.validate());
		if (!checked.ok) {
			const message = `nginx -t rejected the new config: ${oneLine(checked.output)}; not reloaded.${unresolvedHint(checked.output)}`;
			s.fail('validate', message);
			return await end('failed', 'validate-failed', message + (await restore()));
		}
		s.done('validate', 'configuration ok');

		s.run('reload', 'nginx -s reload');
		const reload = await whileUnresolved(deps, (text) => s.run('reload', `nginx -s reload: ${text}`), () => proxy.reload());
		if (!reload.ok) {
			let message = `reload failed: ${oneLine(reload.output)}.${unresolvedHint(reload.output)}` + (await restore());
			const back = await whileUnresolved(deps, () => {}, () => proxy.reload());
			message += back.ok ? ' The previous config was reloaded.' : ` Reloading the previous config failed too: ${oneLine(back.output)}.`;
			s.fail('reload', message);
			return await end('failed', 'reload-failed', message);
		}
		reloaded = true;
		s.done('reload', 'reload signalled');

		s.run('confirm-seen', 'reading back what the proxy loaded');
		if ((await proxy.readSeen()) !== next) {
			const message = staleMessage(proxy);
			extra.restartOffered = Boolean(proxy.restart);
			s.fail('confirm-seen', message);
			return await end('failed', 'stale-container-file', message);
		}
		s.done('confirm-seen', 'the proxy sees the new file');

		s.run('verify', `sampling until the split is ${to}`);
		const verified = await deps.sampler(request.to);
		if (verified.verified) {
			s.done('verify', `VERIFIED: ${verified.reason}`);
			return await end('verified', 'verified', `VERIFIED ${to}: ${verified.reason}`, verified.sample);
		}
		s.fail('verify', `NOT VERIFIED: ${verified.reason}`);
		return await end('not-verified', 'not-verified', `NOT VERIFIED ${to}: ${verified.reason}`, verified.sample);
	} catch (error) {
		// Anything unexpected (the proxy unreachable, a full disk): undo a write that was not reloaded.
		let message = `${(error as Error).message}.`;
		if (written && !reloaded) message += await restore();
		return await end('failed', 'error', message);
	} finally {
		await release?.();
	}
}
