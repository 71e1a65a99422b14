// What the automation tells the outside world; the webhook adapter delivers it.

export type NotifyEventType = 'stage-change' | 'verdict-fail' | 'auto-rollback' | 'change-verified' | 'change-not-verified' | 'note';

export interface NotifyEvent {
	type: NotifyEventType;
	/** One line for people: what happened and why. */
	text: string;
	/** ms since epoch; filled in by notify() when absent. */
	at?: number;
	/** Machine-readable fields merged into the JSON body (split, verdict, reason...). */
	details?: Record<string, unknown>;
}
