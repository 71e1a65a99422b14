import {test} from 'node:test';
import assert from 'node:assert/strict';
import {initialViewState, viewReducer, type ViewAction} from '../source/state/view-state.ts';

const run = (actions: ViewAction[], state = initialViewState()) => actions.reduce(viewReducer, state);

test('views switch and cycle, and escape goes back to the overview', () => {
	assert.equal(run([{type: 'view', view: 'logs'}]).view, 'logs');
	assert.equal(run([{type: 'next-view'}, {type: 'next-view'}]).view, 'errors');
	assert.equal(run([{type: 'view', view: 'verdict'}, {type: 'escape'}]).view, 'overview');
});

test('escape closes help first, then a prompt, then a log filter, then the view', () => {
	let state = run([{type: 'view', view: 'logs'}, {type: 'search-set', regex: 'timeout'}, {type: 'prompt', kind: 'search'}, {type: 'help'}]);
	state = viewReducer(state, {type: 'escape'});
	assert.equal(state.help, false);
	assert.ok(state.prompt);
	state = viewReducer(state, {type: 'escape'});
	assert.equal(state.prompt, null);
	assert.equal(state.logs.regex, 'timeout');
	state = viewReducer(state, {type: 'escape'});
	assert.equal(state.logs.regex, null);
	assert.equal(state.view, 'logs');
	state = viewReducer(state, {type: 'escape'});
	assert.equal(state.view, 'overview');
});

test('scrolling up in the logs pauses following; G goes back to the bottom and follows', () => {
	let state = run([{type: 'view', view: 'logs'}, {type: 'scroll', by: -5, listLength: 100}]);
	assert.equal(state.logs.offset, 5);
	assert.equal(state.logs.follow, false);
	state = viewReducer(state, {type: 'scroll', by: -1000, listLength: 100});
	assert.equal(state.logs.offset, 99, 'never past the oldest line');
	state = viewReducer(state, {type: 'bottom'});
	assert.equal(state.logs.offset, 0);
	assert.equal(state.logs.follow, true);
});

test('list selection stays inside the list', () => {
	let state = run([{type: 'view', view: 'errors'}, {type: 'scroll', by: 3, listLength: 2}]);
	assert.equal(state.selection.errors, 1);
	state = viewReducer(state, {type: 'scroll', by: -10, listLength: 2});
	assert.equal(state.selection.errors, 0);
});

test('zoom steps through the spans and stops at both ends', () => {
	let state = initialViewState(15);
	state = viewReducer(state, {type: 'zoom', direction: 1});
	assert.equal(state.zoomMin, 5);
	state = run([{type: 'zoom', direction: 1}, {type: 'zoom', direction: 1}, {type: 'zoom', direction: 1}], state);
	assert.equal(state.zoomMin, 1);
	state = run(Array.from({length: 9}, () => ({type: 'zoom', direction: -1}) as ViewAction), state);
	assert.equal(state.zoomMin, 60);
});

test('filters cycle: level, engines; opening a pattern shows the logs of that pattern', () => {
	let state = run([{type: 'level'}, {type: 'level'}, {type: 'engines'}]);
	assert.equal(state.logs.minLevel, 'WARN');
	assert.equal(state.logs.engines, 'stable');
	state = viewReducer(state, {type: 'open-pattern', pattern: 't7', template: 'db timeout <*>'});
	assert.equal(state.view, 'logs');
	assert.equal(state.logs.pattern, 't7');
	assert.match(state.message ?? '', /db timeout/);
});

test('typing in a prompt edits its text; closing keeps the old filter', () => {
	let state = run([{type: 'prompt', kind: 'split'}, {type: 'prompt-input', text: '75/25'}]);
	assert.deepEqual(state.prompt, {kind: 'split', text: '75/25'});
	state = viewReducer(state, {type: 'prompt-close'});
	assert.equal(state.prompt, null);
});
