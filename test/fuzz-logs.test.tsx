import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import fc from 'fast-check';
import {formatEvent, parseLogLine, MAX_RAW} from '../source/domain/log-parse.ts';
import {decodeUtf8, sanitizeForTerminal, truncateToWidth, visibleWidth, wrapToWidth} from '../source/domain/sanitize.ts';
import {LogTail} from '../source/ui/log-panel.tsx';
import type {StoredEvent} from '../source/core/monitor/log-store.ts';
import {recordFuzz, runs} from './faults/fuzz-report.ts';

// Container output is hostile: whatever a line holds, nothing that reaches the terminal may be
// a control byte, and nothing drawn may be wider than its column.

// C0 (tab and newline have their own rules), DEL, C1, lone surrogates, bidi overrides.
const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FORBIDDEN_KEEP_NL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const PIECES = [
	'\u001b[31m', '\u001b[2J', '\u001b[?1049h', '\u001b[38;5;196m', '\u001b[1;1H', '\u001b]0;title\u0007', '\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\',
	'\u001b]52;c;cHduZWQ=\u0007', '\u001bP+q544e\u001b\\', '\u001bX sos \u001b\\', '\u001b^pm\u001b\\', '\u001b_apc\u001b\\', '\u001b7', '\u001bc', '\u001b(B', '\u001b#8', '\u001b',
	'\u009b31m', '\u009d0;t\u009c', '\u0090dcs\u009c', '\u0085', '\u0007', '\b', '\r', '\t', '\n', '\u0000', '\u007f', '\u000b', '\u000c', '\u202e', '\u2066', '\ud800', '\udc00',
	'\ud83d\ude00', '\u2764\ufe0f', 'e\u0301', '漢字', 'ＡＢ', 'INFO:', 'ERROR', 'Traceback (most recent call last):', '\n  at foo (x.js:1:1)', ' ', 'a', '{', '}', '"', 'level=error',
];
const hostile = fc.oneof(
	fc.array(fc.constantFrom(...PIECES), {maxLength: 20}).map((parts) => parts.join('')),
	fc.string({unit: 'binary', maxLength: 120}),
	fc.uint8Array({maxLength: 120}).map((bytes) => decodeUtf8(bytes)),
	fc.string({unit: fc.integer({min: 0, max: 0x9f}).map((c) => String.fromCharCode(c)), maxLength: 80}),
);
const jsonLine = fc
	.record({message: hostile, level: fc.oneof(hostile, fc.constantFrom('INFO', 'ERROR', 'warning', 50)), logger: hostile, exception: fc.oneof(hostile, fc.constant(null)), extra: hostile, timestamp: fc.oneof(hostile, fc.constant('2025-01-01T00:00:00Z'))})
	.chain((o) => hostile.map((key) => JSON.stringify({...o, [key]: o.extra})));
const rawText = fc.oneof(hostile, jsonLine);

let sanitized = 0;
let parsed = 0;
let truncated = 0;
let drawn = 0;

function assertClean(text: string, keepNewlines = false): void {
	const bad = (keepNewlines ? FORBIDDEN_KEEP_NL : FORBIDDEN).exec(text);
	assert.equal(bad, null, `control ${bad ? JSON.stringify(bad[0]) : ''} in ${JSON.stringify(text).slice(0, 200)}`);
	assert.ok(!text.includes('\t'), 'tab left in the text');
}

test('sanitizeForTerminal removes every control class (C0, C1, ESC, CSI, OSC, DCS, lone surrogates)', (t) => {
	fc.assert(
		fc.property(hostile, fc.boolean(), (text, keepNewlines) => {
			sanitized++;
			assertClean(sanitizeForTerminal(text, {keepNewlines}), keepNewlines);
		}),
		{numRuns: runs(6000), includeErrorInReport: true},
	);
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 200}), (bytes) => {
			sanitized++;
			assertClean(sanitizeForTerminal(decodeUtf8(bytes)));
		}),
		{numRuns: runs(4000), includeErrorInReport: true},
	);
	recordFuzz(t, 'sanitize', sanitized);
});

test('parseLogLine never throws, and the line as displayed holds no control character', (t) => {
	fc.assert(
		fc.property(rawText, fc.constantFrom('stdout', 'stderr' as const), fc.boolean(), (text, stream, timestamps) => {
			parsed++;
			const event = parseLogLine({engine: 'canary', stream, time: 1_700_000_000_000, text});
			assert.ok(event.raw.length <= MAX_RAW);
			assert.ok(Number.isFinite(event.time));
			assertClean(sanitizeForTerminal(formatEvent(event, {timestamps})));
		}),
		{numRuns: runs(10000), includeErrorInReport: true},
	);
	recordFuzz(t, 'log-parse', parsed);
});

test('truncateToWidth and wrapToWidth never exceed the width', (t) => {
	fc.assert(
		fc.property(hostile, fc.integer({min: 0, max: 120}), fc.constantFrom('', '…', '...', '漢'), (text, width, ellipsis) => {
			truncated++;
			const clean = sanitizeForTerminal(text);
			const cut = truncateToWidth(clean, width, ellipsis);
			assert.ok(visibleWidth(cut) <= width, `width ${visibleWidth(cut)} > ${width} for ${JSON.stringify(cut)}`);
			if (width >= 2) for (const row of wrapToWidth(clean, width)) assert.ok(visibleWidth(row) <= width);
		}),
		{numRuns: runs(10000), includeErrorInReport: true},
	);
	recordFuzz(t, 'truncate/wrap', truncated);
});

// Every ESC in the frame must start an SGR colour code (`ESC [ ... m`) that Ink wrote itself.
const ONLY_SGR = /\u001b(?!\[[0-9;]*m)/;

test('the log tail drawn by Ink over hostile lines holds no ESC but SGR, no BEL, no OSC', (t) => {
	let seq = 0;
	// One Ink instance, re-rendered per input: mounting one per frame costs ~45 ms each.
	const view = render(<LogTail events={[]} width={80} height={42} dropped={0} title="logs" />);
	fc.assert(
		fc.property(fc.array(rawText, {minLength: 40, maxLength: 40}), fc.integer({min: 20, max: 140}), (texts, width) => {
			const events: StoredEvent[] = texts.map((text, i) => ({...parseLogLine({engine: i % 2 ? 'canary' : 'stable', stream: i % 3 ? 'stdout' : 'stderr', time: 1_700_000_000_000 + i, text}), seq: ++seq}));
			drawn += events.length;
			view.rerender(<LogTail events={events} width={width} height={42} dropped={0} title="logs" />);
			const frame = view.lastFrame() ?? '';
			const bad = ONLY_SGR.exec(frame);
			assert.equal(bad, null, `non-SGR escape in the frame: ${JSON.stringify(frame.slice(bad?.index ?? 0, (bad?.index ?? 0) + 20))}`);
			assert.ok(!/[\u0007\u009b\u009d\u0090\u0000-\u0006\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f]/.test(frame), 'control byte in the frame');
			const plain = frame.replace(/\u001b\[[0-9;]*m/g, '');
			for (const line of plain.split('\n')) assert.ok(visibleWidth(line) <= width, `line wider than ${width}: ${JSON.stringify(line)}`);
		}),
		{numRuns: runs(250), includeErrorInReport: true},
	);
	view.unmount();
	recordFuzz(t, 'log-tail render (lines)', drawn);
});
