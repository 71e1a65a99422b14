import type {Runtime} from './runtime.ts';
import {EMERGENCY_ACTIONS, EMERGENCY_LABELS, type EmergencyAction, type EmergencyResult} from './core/guide/emergency.ts';

// `canary-console emergency <action> --yes`: the guide's emergency procedures without a screen.
// Exit codes: 0 done, 1 failed, 2 not verified, 3 refused (nothing touched; also without --yes).

export interface EmergencyOptions {
	args: string[];
	json: boolean;
	yes: boolean;
	/** Where the result goes (default stdout). */
	write?: (text: string) => void;
}

const CODES: Record<EmergencyResult['outcome'], number> = {done: 0, failed: 1, 'not-verified': 2, refused: 3};

export function emergencyUsage(): string {
	return `emergency needs one of:\n${EMERGENCY_ACTIONS.map((action) => `  ${action.padEnd(14)} ${EMERGENCY_LABELS[action]}`).join('\n')}\nand --yes to run it`;
}

export async function emergencyCommand(runtime: Runtime, options: EmergencyOptions): Promise<number> {
	const write = options.write ?? ((text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`));
	const {monitor, guide} = runtime;
	const say = (code: number, result: Pick<EmergencyResult, 'outcome' | 'message'> & Partial<EmergencyResult>) => {
		if (options.json) write(JSON.stringify({action: result.action ?? null, outcome: result.outcome, message: result.message, steps: result.steps ?? [], auditError: result.auditError ?? null}, null, 2));
		else {
			for (const step of result.steps ?? []) write(`${step.state.padEnd(7)} ${step.name.padEnd(10)} ${step.message}`);
			write(`${result.outcome.toUpperCase()}: ${result.message}${result.auditError ? ` (audit log not written: ${result.auditError})` : ''}`);
		}
		return code;
	};
	const action = options.args[0] as EmergencyAction | undefined;
	if (!action || !EMERGENCY_ACTIONS.includes(action)) {
		await runtime.shutdown().catch(() => {});
		return say(2, {outcome: 'refused', message: `${action ? `unknown action "${action}"; ` : ''}${emergencyUsage()}`});
	}
	await runtime.ready;
	monitor.start();
	try {
		await monitor.until((snapshot) => snapshot.split.configured !== null || snapshot.split.configError !== null, 10_000);
		const {emergency} = guide;
		await emergency.refresh();
		if (!options.yes) return say(3, {action, outcome: 'refused', message: `${action} needs --yes. It would: ${emergency.describe(action)}`});
		// stop-canary always runs its own proof, so a refusal is recorded in the audit log too.
		const available = emergency.availability(action, monitor.current().split.configured);
		if (!available.enabled && action !== 'stop-canary') return say(3, {action, outcome: 'refused', message: available.reason});
		const result = await emergency.run(action);
		return say(CODES[result.outcome], result);
	} finally {
		await monitor.stop().catch(() => {});
		await runtime.shutdown().catch(() => {});
	}
}
