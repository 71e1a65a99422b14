import type {ReplicaCard} from './snapshot.ts';

// Replica cards as a history frame keeps them: every poll brings new figures for each replica,
// and ten card objects with their boxed numbers cost about 1.5 KB a frame (2.7 MB an hour at a
// 2 s poll). Packed (about 1 KB a frame for 5+5, measured), the figures are one flat array of numbers per role and the words one array
// of strings, which the frame shares with the frame before it while they do not change.

const NUMBERS = ['requests', 'p95Ms', 'ratio5xx', 'memPercent', 'restarts'] as const;
const WORDS = ['id', 'health', 'problem', 'outlier'] as const;
// Every field of a card is packed: a field added to ReplicaCard and not here fails to compile.
const _everyField: Record<Exclude<keyof ReplicaCard, (typeof NUMBERS)[number] | (typeof WORDS)[number]>, never> = {};
void _everyField;

export interface PackedCards {
	/** NUMBERS of each card in turn; NaN stands for null. */
	numbers: readonly number[];
	/** WORDS of each card in turn. */
	words: readonly (string | null)[];
}

/** The cards packed; null when a figure is NaN itself (NaN stands for null): such cards are kept as they are. */
export function packCards(cards: readonly ReplicaCard[]): PackedCards | null {
	const numbers: number[] = [];
	const words: (string | null)[] = [];
	for (const card of cards) {
		for (const key of NUMBERS) {
			const value = card[key];
			if (Number.isNaN(value)) return null;
			numbers.push(value ?? Number.NaN);
		}
		for (const key of WORDS) words.push(card[key]);
	}
	// Copies of exactly their length: arrays grown by push keep spare room.
	return {numbers: numbers.slice(), words: words.slice()};
}

export function unpackCards(packed: PackedCards): ReplicaCard[] {
	const cards: ReplicaCard[] = [];
	for (let index = 0; index * WORDS.length < packed.words.length; index++) {
		const number = (field: number) => {
			const value = packed.numbers[index * NUMBERS.length + field]!;
			return Number.isNaN(value) ? null : value;
		};
		const word = (field: number) => packed.words[index * WORDS.length + field] ?? null;
		cards.push({id: word(0)!, requests: number(0), p95Ms: number(1), ratio5xx: number(2), memPercent: number(3), restarts: number(4), health: word(1)!, problem: word(2), outlier: word(3)});
	}
	return cards;
}
