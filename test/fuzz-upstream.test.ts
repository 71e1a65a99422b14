import {test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {findUpstream, readSplit, renderSplit, type Split} from '../source/domain/upstream.ts';
import {recordFuzz, runs} from './faults/fuzz-report.ts';

// The nginx upstream editor over generated configs: valid ones are rewritten only at the
// weights and round-trip byte for byte; invalid ones are refused with a message, never repaired.

const NAME = 'involution_engine';
const ROLES = {stable: 'engine-stable:8080', canary: 'engine-canary:8080'};

const blank = fc.constantFrom(' ', '  ', '\t', ' \t ');
const newline = fc.constantFrom('\n', '\r\n', '\n\n', '\n\t', '\n    ');
const comment = fc.constantFrom('# weights below', '# server engine-stable:8080 weight=5 down;', '#{ unbalanced in a comment }', '# canary 10 %', '#');
const extraParam = fc.constantFrom('max_fails=3', 'fail_timeout=10s', 'max_conns=100', 'slow_start=30s');
const otherBlock = fc.constantFrom(
	'server {\n\tlisten 80;\n\tlocation / {\n\t\tproxy_pass http://involution_engine;\n\t\tproxy_set_header Connection "";\n\t}\n}',
	'upstream other_pool {\n\tserver engine-stable:9090 weight=3;\n\tserver engine-canary:9090 down;\n}',
	'map $http_upgrade $connection_upgrade { default upgrade; "" close; }',
	'log_format main \'$remote_addr "$request" $upstream_addr\';',
	'# upstream involution_engine { server engine-stable:8080 weight=1; }',
);

/** How a server states its share: canonical (weight=percent, `down` for 0) or any valid form. */
interface ServerSpec {
	role: 'stable' | 'canary';
	params: string[];
	share: 'weight' | 'down' | 'weight+down' | 'none';
	weight: number;
	gap: string;
	end: string;
}

interface Spec {
	head: string[];
	tail: string[];
	items: Array<{kind: 'server'; server: ServerSpec} | {kind: 'line'; text: string}>;
	open: string;
	close: string;
}

function serverText(s: ServerSpec): string {
	const share = s.share === 'weight' ? [`weight=${s.weight}`] : s.share === 'down' ? ['down'] : s.share === 'weight+down' ? [`weight=${s.weight}`, 'down'] : [];
	const params = [...s.params];
	// The share goes at a position that depends on the extra parameters: anywhere in the list.
	params.splice(s.weight % (params.length + 1), 0, ...share);
	return `server${s.gap}${ROLES[s.role]}${params.map((p) => `${s.gap}${p}`).join('')}${s.end}`;
}

function configText(spec: Spec): string {
	const body = spec.items.map((item) => (item.kind === 'server' ? serverText(item.server) : item.text)).join(spec.open);
	return [...spec.head, `upstream ${NAME} {${spec.open}${body}${spec.close}}`, ...spec.tail].join('\n');
}

const serverSpec = (role: 'stable' | 'canary', percent: number, canonical: boolean): fc.Arbitrary<ServerSpec> =>
	fc.record({
		role: fc.constant(role),
		params: fc.uniqueArray(extraParam, {maxLength: 3}),
		share: canonical ? fc.constant(percent === 0 ? ('down' as const) : ('weight' as const)) : fc.constantFrom('weight' as const, 'weight+down' as const, 'none' as const),
		weight: canonical ? fc.constant(percent) : fc.integer({min: 1, max: 1000}),
		gap: blank,
		end: fc.constantFrom(';', ' ;', ';  # comment after'),
	});

const percent = fc.integer({min: 0, max: 100});
const split: fc.Arbitrary<Split> = percent.map((stable) => ({stable, canary: 100 - stable}));

function specArb(original: Split, canonical: boolean): fc.Arbitrary<Spec> {
	const line = fc.oneof(comment, fc.constantFrom('keepalive 64;', 'keepalive_timeout 60s;', 'zone backend 64k;', 'server backup-host:8080 backup;'));
	return fc
		.record({
			head: fc.array(fc.oneof(comment, otherBlock), {maxLength: 3}),
			tail: fc.array(fc.oneof(comment, otherBlock), {maxLength: 3}),
			stable: serverSpec('stable', original.stable, canonical),
			canary: serverSpec('canary', original.canary, canonical),
			lines: fc.array(line.map((text) => ({kind: 'line' as const, text})), {maxLength: 4}),
			order: fc.nat(),
			open: newline,
			// A newline before `}`: the last item may be a comment, which would swallow it.
			close: fc.constantFrom('\n', '\n\n', '\n  ', '\r\n'),
		})
		.map(({head, tail, stable, canary, lines, order, open, close}) => {
			const items: Spec['items'] = [...lines];
			items.splice(order % (items.length + 1), 0, {kind: 'server', server: stable});
			items.splice((order >> 3) % (items.length + 1), 0, {kind: 'server', server: canary});
			return {head, tail, items, open, close};
		});
}

const validCanonical = split.chain((original) => specArb(original, true).map((spec) => ({original, text: configText(spec)})));
const validAny = split.chain((original) => specArb(original, false).map((spec) => ({text: configText(spec)})));
const nonZero = split.filter((s) => s.stable + s.canary === 100);

let inputs = 0;

function splitOf(text: string): Split | {error: string} {
	const block = findUpstream(text, NAME, ROLES);
	return 'error' in block ? block : readSplit(block);
}

/** The edit is confined to role server lines, and to their weight/down parameters. */
function assertConfined(before: string, after: string): void {
	const strip = (text: string) => text.replace(/[ \t]*\b(?:weight=\d+|down)\b/g, '');
	assert.equal(strip(after), strip(before), 'something other than weight/down changed');
	const a = before.split('\n');
	const b = after.split('\n');
	assert.equal(b.length, a.length);
	for (let i = 0; i < a.length; i++) {
		if (a[i] !== b[i]) assert.ok(/^\s*server\s+engine-(?:stable|canary):8080\b/.test(a[i]!) || a[i]!.includes('server'), `line ${i + 1} changed: ${a[i]} -> ${b[i]}`);
	}
}

test('valid configs: the new split reads back, the diff is only weights, and the old split round-trips byte for byte', (t) => {
	const before = inputs;
	fc.assert(
		fc.property(validCanonical, nonZero, ({original, text}, target) => {
			inputs++;
			assert.deepEqual(splitOf(text), original, 'the generated config does not read as its split');
			const rendered = renderSplit(text, NAME, ROLES, target);
			assert.ok('text' in rendered, `refused a valid config: ${'error' in rendered ? rendered.error : ''}`);
			assert.deepEqual(splitOf(rendered.text), target);
			assertConfined(text, rendered.text);
			const back = renderSplit(rendered.text, NAME, ROLES, original);
			assert.ok('text' in back);
			assert.equal(back.text, text, 'rendering the original split back is not byte-identical');
		}),
		{numRuns: runs(6000), includeErrorInReport: true},
	);
	recordFuzz(t, 'upstream (canonical configs)', inputs - before);
});

test('valid configs in any form (no weight, weight and down, other scales): the new split reads back, only weights change', (t) => {
	const before = inputs;
	fc.assert(
		fc.property(validAny, nonZero, ({text}, target) => {
			inputs++;
			const rendered = renderSplit(text, NAME, ROLES, target);
			assert.ok('text' in rendered, `refused a valid config: ${'error' in rendered ? rendered.error : ''}`);
			assert.deepEqual(splitOf(rendered.text), target);
			assertConfined(text, rendered.text);
		}),
		{numRuns: runs(3000), includeErrorInReport: true},
	);
	recordFuzz(t, 'upstream (any valid form)', inputs - before);
});

type Breakage = 'drop-close' | 'extra-open' | 'extra-close' | 'no-stable' | 'no-canary' | 'duplicate-upstream' | 'duplicate-server' | 'open-quote';

function breakConfig(text: string, how: Breakage, at: number): string {
	const serverAt = (role: 'stable' | 'canary') => {
		// Inside the real block, not in a commented-out copy of it.
		const block = text.search(new RegExp(`^upstream ${NAME} \\{`, 'm'));
		const match = new RegExp(`^[ \\t]*(server\\s+engine-${role}:8080\\b[^;]*;)`, 'm').exec(text.slice(block))!;
		const start = block + match.index + match[0].length - match[1]!.length;
		const end = start + match[1]!.length;
		return {start, end};
	};
	switch (how) {
		case 'drop-close': {
			const closes = [...text.matchAll(/}/g)].map((m) => m.index!).filter((i) => !/#[^\n]*$/.test(text.slice(0, i)));
			const i = closes[at % closes.length]!;
			return text.slice(0, i) + text.slice(i + 1);
		}
		case 'extra-open':
			return `${text}\nhttp {\n`;
		case 'extra-close':
			return `${text}\n}\n`;
		case 'no-stable':
		case 'no-canary': {
			const {start, end} = serverAt(how === 'no-stable' ? 'stable' : 'canary');
			return text.slice(0, start) + text.slice(end);
		}
		case 'duplicate-upstream':
			return `${text}\nupstream ${NAME} {\n\tserver ${ROLES.stable} weight=50;\n\tserver ${ROLES.canary} weight=50;\n}\n`;
		case 'duplicate-server': {
			const {start, end} = serverAt(at % 2 ? 'stable' : 'canary');
			return text.slice(0, end) + ' ' + text.slice(start, end) + text.slice(end);
		}
		case 'open-quote':
			return `${text}\nlog_format broken "$remote_addr;\n`;
	}
}

test('invalid configs are refused with a message, never repaired', (t) => {
	const before = inputs;
	const breakage = fc.constantFrom<Breakage>('drop-close', 'extra-open', 'extra-close', 'no-stable', 'no-canary', 'duplicate-upstream', 'duplicate-server', 'open-quote');
	fc.assert(
		fc.property(validAny, breakage, fc.nat(), nonZero, ({text}, how, at, target) => {
			inputs++;
			const broken = breakConfig(text, how, at);
			assert.notEqual(broken, text);
			const rendered = renderSplit(broken, NAME, ROLES, target);
			assert.ok('error' in rendered, `${how}: a broken config was rewritten instead of refused`);
			assert.ok(typeof rendered.error === 'string' && rendered.error.length > 10, 'refusal without a message');
		}),
		{numRuns: runs(4000), includeErrorInReport: true},
	);
	recordFuzz(t, 'upstream (invalid configs)', inputs - before);
});

test('fuzz totals', (t) => recordFuzz(t, 'upstream', inputs));
