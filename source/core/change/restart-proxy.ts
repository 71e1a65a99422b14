// Restarting the proxy is the one cure for a detached single-file bind mount (FACTS.md §2):
// only a restart reconnects the container to the host file. Locked and audited like a change.

import {auditEntry} from './audit.ts';
import {oneLine, resultOf, stepper, type ApplyDeps, type ApplyOutcome, type ApplyResult, type ApplyStatus, type ApplyStep} from './apply-steps.ts';
import {findUpstream, formatSplit, readSplit, type Split} from '../../domain/upstream.ts';

/** Restarts the proxy to reconnect a detached bind mount, then waits until it sees the host file. */
export async function restartProxy(
	deps: Pick<ApplyDeps, 'proxy' | 'audit' | 'now' | 'files' | 'allowNoAudit'> & Partial<Pick<ApplyDeps, 'upstream' | 'roles'>> & {waitMs?: number; sleep?: (ms: number) => Promise<void>},
	request: {reason?: string; automatic?: boolean; verdict?: unknown} = {},
	onStep: (step: ApplyStep) => void = () => {},
): Promise<ApplyResult> {
	const {proxy} = deps;
	const s = stepper(onStep, deps.now);
	const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	// The audit line records the split nginx ran before (from the file it saw, the detached one)
	// and the split of the host file it reads after the restart.
	let before = '?';
	let split = '?';
	let release: (() => Promise<void>) | null = null;
	const splitIn = (text: string | null): string => {
		if (text === null || !deps.upstream || !deps.roles) return '?';
		const block = findUpstream(text, deps.upstream, deps.roles);
		const current: Split | {error: string} = 'error' in block ? block : readSplit(block);
		return 'error' in current ? '?' : formatSplit(current);
	};
	const end = async (outcome: ApplyOutcome, status: ApplyStatus, message: string): Promise<ApplyResult> => {
		const logged = await deps.audit.append(auditEntry({
			action: 'restart-proxy', from: before, to: split, outcome, reason: `${request.reason ? `${request.reason}: ` : ''}${message}`,
			automatic: request.automatic ?? false, verdict: request.verdict ?? null,
		}, deps.now));
		return resultOf(outcome, status, {from: before, to: split, steps: s.steps, message, ...(logged.ok ? {} : {auditError: logged.message})});
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
		// A restart interrupts traffic: like a weight change, it is refused when it cannot be recorded.
		const writable = await deps.audit.check();
		if (!writable.ok && !deps.allowNoAudit) {
			const message = `${writable.message}; restart refused. Fix the audit log (stateDir, auditPath) or allow it without a record (--allow-no-audit).`;
			s.fail('restart', message);
			return await end('refused', 'audit-unwritable', message);
		}
		if (!proxy.restart) {
			const message = `${proxy.describe} cannot be restarted from here`;
			s.fail('restart', message);
			return await end('refused', 'restart-unavailable', message);
		}
		before = splitIn(await proxy.readSeen().catch(() => null));
		split = splitIn(await proxy.readHost().catch(() => null));
		s.run('restart', 'restarting the proxy');
		const result = await proxy.restart();
		if (!result.ok) {
			const message = `restart failed: ${oneLine(result.output)}`;
			s.fail('restart', message);
			return await end('failed', 'restart-failed', message);
		}
		s.done('restart', 'restarted');
		s.run('confirm-seen', 'waiting until the proxy sees the host file');
		const host = await proxy.readHost();
		split = splitIn(host);
		const deadline = deps.now() + (deps.waitMs ?? 15_000);
		for (;;) {
			// Right after a restart the container may not answer yet: keep asking until the deadline.
			const seen = await proxy.readSeen().catch(() => null);
			if (seen === host) break;
			if (deps.now() >= deadline) {
				const message = `after the restart the proxy still sees a different file than ${proxy.configPath}`;
				s.fail('confirm-seen', message);
				return await end('failed', 'restart-failed', message);
			}
			await sleep(200);
		}
		s.done('confirm-seen', 'the proxy sees the host file again');
		return await end('restored', 'restored', `proxy restarted; it sees ${proxy.configPath} again (split ${before === split ? split : `${before} -> ${split}`})`);
	} catch (error) {
		return await end('failed', 'error', (error as Error).message);
	} finally {
		await release?.();
	}
}
