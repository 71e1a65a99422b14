import type {EmergencyFlow} from '../core/guide/emergency-flow.ts';

/** A key while the emergency menu is open; returns a message for the status line, or null. */
export function emergencyKey(flow: EmergencyFlow, name: string, quit: () => void): string | null {
	const phase = flow.state.phase;
	if (name === 'q' && phase !== 'running') {
		quit();
		return null;
	}
	if (phase === 'menu') {
		if (/^[1-9]$/.test(name)) return flow.choose(Number(name));
		if (name === 'escape' || name === 'n') flow.close();
		return null;
	}
	if (phase === 'confirm') {
		if (name === 'y' || name === 'enter') void flow.confirm();
		else if (name === 'escape' || name === 'n') flow.close();
		return null;
	}
	if (phase === 'done' && (name === 'escape' || name === 'enter')) flow.close();
	return null;
}
