import type {Split} from '../../domain/upstream.ts';
import {EMERGENCY_ACTIONS, type Availability, type Emergency, type EmergencyAction, type EmergencyResult, type EmergencyStep} from './emergency.ts';

// The emergency menu's one flow (as every dangerous action here): menu -> confirm with exactly
// what will happen -> running, every step visible -> result. Pure state plus listeners, so the
// screen renders it and tests drive it without a terminal.

export type EmergencyFlowState =
	| {phase: 'idle'}
	| {phase: 'menu'; options: {action: EmergencyAction; availability: Availability}[]}
	| {phase: 'confirm'; action: EmergencyAction; text: string}
	| {phase: 'running'; action: EmergencyAction; steps: EmergencyStep[]}
	| {phase: 'done'; result: EmergencyResult};

export class EmergencyFlow {
	state: EmergencyFlowState = {phase: 'idle'};
	private readonly listeners = new Set<() => void>();

	constructor(
		private readonly emergency: Emergency,
		private readonly configured: () => Split | null,
	) {}

	subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	getState = (): EmergencyFlowState => this.state;

	/** Opens the menu at once, then again with the containers' states read. */
	open(): void {
		this.showMenu();
		void this.emergency.refresh().then(() => {
			if (this.state.phase === 'menu') this.showMenu();
		});
	}

	/** Picks the menu's n-th action (1-based); a disabled one says why and stays in the menu. */
	choose(index: number): string | null {
		if (this.state.phase !== 'menu') return null;
		const option = this.state.options[index - 1];
		if (!option) return null;
		if (!option.availability.enabled) return `${option.action}: ${option.availability.reason}`;
		this.set({phase: 'confirm', action: option.action, text: this.emergency.describe(option.action)});
		return null;
	}

	/** Runs the confirmed action. to-stable hands over to the weight dialog, which shows its steps. */
	async confirm(): Promise<EmergencyResult | null> {
		if (this.state.phase !== 'confirm') return null;
		const {action} = this.state;
		if (action === 'to-stable') {
			this.set({phase: 'idle'});
			return this.emergency.run(action);
		}
		this.set({phase: 'running', action, steps: []});
		const result = await this.emergency.run(action, (steps) => this.set({phase: 'running', action, steps}));
		this.set({phase: 'done', result});
		return result;
	}

	close(): void {
		if (this.state.phase !== 'running') this.set({phase: 'idle'});
	}

	private showMenu(): void {
		const configured = this.configured();
		this.set({phase: 'menu', options: EMERGENCY_ACTIONS.map((action) => ({action, availability: this.emergency.availability(action, configured)}))});
	}

	private set(state: EmergencyFlowState): void {
		this.state = state;
		for (const listener of this.listeners) listener();
	}
}
