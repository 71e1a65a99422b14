import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createKeySplitter, isTextKey, splitKeys} from '../source/ui/key-splitter.ts';
import {KEYMAP} from '../source/keymap.ts';

// A read from the terminal is a chunk of keys, not one key: each chunk must come out as the
// keys a person would have typed one by one.

const cases: [string, string, string[]][] = [
	['one character', 'j', ['j']],
	['text and Enter in one read', 'linear\r', ['l', 'i', 'n', 'e', 'a', 'r', 'enter']],
	['a key, a split and Enter (w 75/25 Enter)', 'w75/25\r', ['w', '7', '5', '/', '2', '5', 'enter']],
	['newline is Enter', 'a\nb', ['a', 'enter', 'b']],
	['CRLF is one Enter', 'a\r\nb\r\n', ['a', 'enter', 'b', 'enter']],
	['arrows between text', 'x\u001B[Ay\u001B[Bz', ['x', 'up', 'y', 'down', 'z']],
	['SS3 arrows', '\u001BOA\u001BOB', ['up', 'down']],
	['page keys, xterm and putty', '\u001B[5~\u001B[6~\u001B[[5~', ['pageup', 'pagedown', 'pageup']],
	['ctrl keys by letter', '\u0003\u0006\u0002', ['ctrl+c', 'ctrl+f', 'ctrl+b']],
	['tab and shift+tab', '\t\u001B[Z', ['tab', 'shift+tab']],
	['backspace as DEL and as BS', 'ab\u007F\b', ['a', 'b', 'backspace', 'backspace']],
	['Escape then a key typed at once', '\u001Bj', ['escape', 'j']],
	['two Escapes', '\u001B\u001B', ['escape', 'escape']],
	['Escape then a capital O', '\u001BOx', ['escape', 'O', 'x']],
	['an unknown CSI is one unknown key', '\u001B[38;5;1mred', ['unknown', 'r', 'e', 'd']],
	['bracketed paste markers', '\u001B[200~ab\u001B[201~', ['paste-start', 'a', 'b', 'paste-end']],
	['C1 controls and bidi overrides are not text', 'a\u009Bb\u202Ec', ['a', 'unknown', 'b', 'unknown', 'c']],
	['NUL and other C0', '\u0000\u001C', ['unknown', 'unknown']],
	['a character outside the BMP is one key', 'a😀b', ['a', '😀', 'b']],
	['a lone surrogate is not text', 'a\uD800b', ['a', 'unknown', 'b']],
	['a lone ESC at the end of a complete read is Escape', 'x\u001B', ['x', 'escape']],
];

for (const [name, chunk, keys] of cases) {
	test(`splitKeys: ${name}`, () => {
		assert.deepEqual(splitKeys(chunk), keys);
	});
}

test('an escape sequence cut between two reads is still one key', () => {
	for (const [first, second] of [
		['\u001B', '[A'],
		['\u001B[', 'A'],
		['\u001B[5', '~'],
		['\u001BO', 'B'],
		['ab\u001B', '[6~cd'],
	]) {
		const splitter = createKeySplitter();
		const keys = splitter.push(first!);
		assert.equal(splitter.pending(), true, `${JSON.stringify(first)} waits for more`);
		keys.push(...splitter.push(second!));
		assert.equal(splitter.pending(), false);
		assert.deepEqual(keys, splitKeys(first! + second!), JSON.stringify([first, second]));
		assert.ok(!keys.includes('escape') && !keys.includes('['), `no stray keys: ${keys.join(' ')}`);
	}
});

test('a lone ESC that nothing follows is the Escape key once flushed', () => {
	const splitter = createKeySplitter();
	assert.deepEqual(splitter.push('\u001B'), []);
	assert.equal(splitter.pending(), true);
	assert.deepEqual(splitter.flush(), ['escape']);
	assert.equal(splitter.pending(), false);
	assert.deepEqual(splitter.push('q'), ['q']);
});

test('every key the splitter gives for any input is text or a name: no control character is text', () => {
	const all = Array.from({length: 0x250}, (_, code) => String.fromCharCode(code)).join('') + '\u202A\u2066\uDC00';
	for (const key of splitKeys(all)) {
		if (isTextKey(key)) assert.doesNotMatch(key, /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/, `text key ${JSON.stringify(key)}`);
		else assert.match(key, /^[a-z+-]+$/, `named key ${JSON.stringify(key)}`);
	}
});

test('every key keymap.ts binds is one the splitter gives for what a terminal sends', () => {
	const sent: Record<string, string> = {enter: '\r', escape: '\u001B', tab: '\t', up: '\u001B[A', down: '\u001B[B', pageup: '\u001B[5~', pagedown: '\u001B[6~', 'ctrl+c': '\u0003', 'ctrl+f': '\u0006', 'ctrl+b': '\u0002', end: '\u001B[F'};
	for (const binding of KEYMAP) {
		for (const key of binding.keys) {
			const bytes = [...key].length === 1 ? key : sent[key];
			assert.ok(bytes !== undefined, `how a terminal sends ${key}`);
			assert.deepEqual(splitKeys(bytes), [key], `${key} (${binding.command})`);
		}
	}
});
