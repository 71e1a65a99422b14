import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseRow, rowUpdate} from '../source/ui/row-diff.ts';

const CSI = '\u001B[';

test('a changed counter is rewritten alone, in the style it stands in', () => {
	const before = `${CSI}90m─ logs 5157 lines following ──────${CSI}39m`;
	const after = `${CSI}90m─ logs 5162 lines following ──────${CSI}39m`;
	assert.equal(rowUpdate(1, before, after), `${CSI}2;10H${CSI}0;90m62`);
});

test('a shorter row erases what the old one had beyond it', () => {
	assert.equal(rowUpdate(0, 'a fairly long row of text', 'a fairly long row X'), `${CSI}1;19H${CSI}0mX${CSI}0m${CSI}K`);
});

test('a colour change without a character change is rewritten', () => {
	const update = rowUpdate(0, `ok ${CSI}32mPASS${CSI}39m`, `ok ${CSI}31mPASS${CSI}39m`);
	assert.equal(update, `${CSI}1;4H${CSI}0;31mPASS`);
});

test('rows with wide characters or other escapes are written whole', () => {
	assert.equal(parseRow('東京'), null);
	assert.equal(parseRow(`${CSI}2Kx`), null);
	assert.equal(rowUpdate(3, '東京 a', '東京 b'), `${CSI}4;1H${CSI}0m${CSI}2K東京 b`);
});

test('identical-looking rows need nothing; a blank row needs no erase', () => {
	assert.equal(rowUpdate(0, `${CSI}0mabc`, 'abc'), '');
	assert.equal(rowUpdate(0, '', 'abc'), `${CSI}1;1H${CSI}0mabc`);
});

test('styles are compared by what they do, not how they were written', () => {
	// Ink closes bold and colour separately; the cell after them has no attributes either way.
	assert.equal(rowUpdate(0, `${CSI}1m${CSI}36mS${CSI}39m${CSI}22m 12:00`, `${CSI}1;36mS${CSI}0m 12:00`), '');
	const cells = parseRow(`${CSI}1m${CSI}7m${CSI}90mx${CSI}22m${CSI}27m${CSI}39my`)!;
	assert.deepEqual(cells.styles, ['1;7;90', '']);
	assert.equal(parseRow(`${CSI}5mblink`), null, 'an attribute we do not model: written whole');
});
