import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createUtf8Decoder, decodeUtf8, sanitizeForTerminal, truncateToWidth, visibleWidth, wrapToWidth} from '../source/domain/sanitize.ts';

const ESC = '\x1b';
// A hostile corpus: every class of sequence, nested, unterminated and 8-bit forms.
const HOSTILE: Array<[string, string, string]> = [
	['SGR colour', `a${ESC}[31mred${ESC}[0m`, 'ared'],
	['cursor move', `x${ESC}[2J${ESC}[H${ESC}[10;20Hy`, 'xy'],
	['private CSI', `a${ESC}[?1049h${ESC}[?25lb`, 'ab'],
	['CSI with intermediate', `a${ESC}[1 qb`, 'ab'],
	['8-bit CSI', 'a\x9b31mb\x9b2Jc', 'abc'],
	['OSC title BEL', `${ESC}]0;pwned\x07ok`, 'ok'],
	['OSC title ST', `${ESC}]2;pwned${ESC}\\ok`, 'ok'],
	['OSC 8 hyperlink', `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, 'click'],
	['OSC 52 clipboard', `a${ESC}]52;c;cm0gLXJmIH4=\x07b`, 'ab'],
	['8-bit OSC with 8-bit ST', 'a\x9d0;title\x9cb', 'ab'],
	['DCS', `a${ESC}P1$r0m${ESC}\\b`, 'ab'],
	['8-bit DCS', 'a\x90qpayload\x9cb', 'ab'],
	['SOS PM APC', `a${ESC}Xsos${ESC}\\b${ESC}^pm${ESC}\\c${ESC}_apc${ESC}\\d`, 'abcd'],
	['8-bit APC', 'a\x9fapc\x9cb', 'ab'],
	['charset and reset escapes', `a${ESC}(Bb${ESC}cc${ESC}7d${ESC}#8e`, 'abcde'],
	['bare ESC', `a${ESC}`, 'a'],
	['ESC ESC', `a${ESC}${ESC}b`, 'a'],
	['BEL and backspace', 'ab\x07c\b\bd', 'abcd'],
	['carriage return trick', 'safe\rEVIL', 'safeEVIL'],
	['CRLF', 'line\r\n', 'line '],
	['other C0 and DEL', 'a\x00b\x01c\x0bd\x0ce\x7ff', 'abcdef'],
	['lone C1', 'a\x85b\x9cc\x80d', 'abcd'],
	['unterminated CSI at end', `abc${ESC}[`, 'abc'],
	['unterminated CSI params at end', `abc${ESC}[38;5`, 'abc'],
	['unterminated OSC swallows the rest', `abc${ESC}]0;never ends`, 'abc'],
	['OSC aborted by a new escape', `a${ESC}]0;t${ESC}[31mb`, 'ab'],
	['nested OSC in OSC', `a${ESC}]0;${ESC}]52;c;x\x07\x07b`, 'ab'],
	['CSI inside DCS', `a${ESC}P${ESC}[31m${ESC}\\b`, 'ab'],
	['bidi override', 'a\u202eb\u2066c', 'abc'],
	['lone surrogate', 'a\ud800b', 'ab'],
	['tab expands', 'a\tb', 'a       b'],
	['plain text untouched', 'INFO:     127.0.0.1:5 - "GET /healthz HTTP/1.1" 200 OK', 'INFO:     127.0.0.1:5 - "GET /healthz HTTP/1.1" 200 OK'],
	['unicode kept', 'héllo 日本語 😀', 'héllo 日本語 😀'],
];

const FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

for (const [name, input, expected] of HOSTILE) {
	test(`sanitize: ${name}`, () => {
		const out = sanitizeForTerminal(input);
		assert.equal(out, expected);
		assert.doesNotMatch(out, FORBIDDEN);
	});
}

test('sanitize: every prefix of every hostile line is clean (strings ending mid-sequence)', () => {
	for (const [, input] of HOSTILE) {
		for (let end = 0; end <= input.length; end++) {
			const out = sanitizeForTerminal(input.slice(0, end));
			assert.doesNotMatch(out, FORBIDDEN, JSON.stringify(input.slice(0, end)));
			assert.doesNotMatch(out, /\t/);
		}
	}
});

test('sanitize: random bytes never leave a control character', () => {
	let seed = 7;
	const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	for (let n = 0; n < 2000; n++) {
		let s = '';
		for (let i = 0; i < 40; i++) s += String.fromCharCode(rand() < 0.5 ? Math.floor(rand() * 0xa0) : Math.floor(rand() * 0x3000));
		assert.doesNotMatch(sanitizeForTerminal(s), FORBIDDEN);
	}
});

test('sanitize: keepNewlines keeps only newlines', () => {
	assert.equal(sanitizeForTerminal(`a\r\n${ESC}[31mb\n\tc`, {keepNewlines: true}), 'a\nb\n        c');
});

test('sanitize: is fast (measured lines/s)', () => {
	// Measured on the dev machine: ~3.7M plain lines/s, ~1.3M lines/s with colour codes.
	const coloured = `INFO:     127.0.0.1:5 - ${ESC}[32m"GET /healthz HTTP/1.1"${ESC}[0m 200 OK`;
	const start = performance.now();
	const n = 100_000;
	for (let i = 0; i < n; i++) sanitizeForTerminal(coloured + i);
	const perSecond = n / ((performance.now() - start) / 1000);
	assert.ok(perSecond > 100_000, `only ${Math.round(perSecond)} lines/s`);
});

test('decodeUtf8 replaces invalid sequences with U+FFFD', () => {
	assert.equal(decodeUtf8(new Uint8Array([0x61, 0xff, 0x62, 0xc3])), 'a\ufffdb\ufffd');
	assert.equal(decodeUtf8(new TextEncoder().encode('日本')), '日本');
	// A raw 0x9b byte (8-bit CSI) is invalid UTF-8: it can only arrive as U+FFFD.
	assert.equal(decodeUtf8(new Uint8Array([0x9b, 0x33, 0x31, 0x6d])), '\ufffd31m');
});

test('createUtf8Decoder keeps a character split across chunks', () => {
	const decode = createUtf8Decoder();
	const bytes = new TextEncoder().encode('é日');
	assert.equal(decode(bytes.slice(0, 1)) + decode(bytes.slice(1, 3)) + decode(bytes.slice(3), true), 'é日');
});

const WIDTHS: Array<[string, number]> = [
	['abc', 3],
	['日本語', 6],
	['e\u0301', 1],
	['😀', 2],
	['a😀b', 4],
	['한국어', 6],
	['ｆｕｌｌ', 8],
	['\u200b', 0],
	['❤\ufe0f', 2],
	['', 0],
];
for (const [text, width] of WIDTHS) {
	test(`visibleWidth ${JSON.stringify(text)} = ${width}`, () => assert.equal(visibleWidth(text), width));
}

test('truncateToWidth never exceeds the width', () => {
	const samples = ['日本語のログ行です', 'a日b本c語', '😀😀😀x', 'e\u0301e\u0301e\u0301', '❤\ufe0f❤\ufe0f❤\ufe0f', 'plain ascii text', 'ｆｕｌｌ ｗｉｄｔｈ'];
	for (const text of samples) {
		for (let width = 0; width <= 20; width++) {
			for (const ellipsis of ['', '…']) {
				const out = truncateToWidth(text, width, ellipsis);
				assert.ok(visibleWidth(out) <= width, `${JSON.stringify(out)} at ${width}`);
				assert.ok(text.startsWith(ellipsis && out.endsWith(ellipsis) && out !== text ? out.slice(0, -1) : out));
			}
		}
	}
});

test('truncateToWidth: cases', () => {
	assert.equal(truncateToWidth('日本語abc', 5), '日本');
	assert.equal(truncateToWidth('日本語abc', 5, '…'), '日本…');
	assert.equal(truncateToWidth('abcdef', 4, '…'), 'abc…');
	assert.equal(truncateToWidth('abc', 4, '…'), 'abc');
	assert.equal(truncateToWidth('e\u0301x', 1), 'e\u0301');
});

test('wrapToWidth splits into rows that fit', () => {
	assert.deepEqual(wrapToWidth('abcdefg', 3), ['abc', 'def', 'g']);
	assert.deepEqual(wrapToWidth('日本語', 3), ['日', '本', '語']);
	for (const row of wrapToWidth('日本語のログ行です mixed text 😀😀', 7)) assert.ok(visibleWidth(row) <= 7);
});
