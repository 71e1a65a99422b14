import {z} from 'zod';

// The building blocks of the config schema (config-schema.ts): each key's type with its one line
// of documentation and, in words, what it allows.

/** What a key accepts, in words, for error messages and the README. Numbers derive theirs. */
export const allowedText = new WeakMap<z.ZodTypeAny, string>();

export function allow<T extends z.ZodTypeAny>(schema: T, text: string): T {
	allowedText.set(schema, text);
	return schema;
}

export const num = (doc: string) => z.number({invalid_type_error: 'not a number'}).finite().describe(doc);
export const positive = (doc: string) => num(doc).positive();
export const atLeast0 = (doc: string) => num(doc).min(0);
export const percent = (doc: string) => num(doc).min(0).max(100);
export const whole = (doc: string, min: number, max?: number) => (max === undefined ? num(doc).int().min(min) : num(doc).int().min(min).max(max));
export const text = (doc: string, allowed = 'text, not empty') => allow(z.string().min(1).describe(doc), allowed);

export const httpUrl = (doc: string) =>
	allow(
		z
			.string()
			.refine((value) => {
				try {
					const url = new URL(value);
					return url.protocol === 'http:' || url.protocol === 'https:';
				} catch {
					return false;
				}
			}, 'not an http:// URL')
			.describe(doc),
		'an http:// URL (or https://)',
	);
