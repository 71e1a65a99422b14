import {test} from 'node:test';
import assert from 'node:assert/strict';
import {
	DEFAULT_STAGES,
	findUpstream,
	formatSplit,
	nextStage,
	parseSplit,
	readSplit,
	renderSplit,
	splitEquals,
	upstreamDiff,
	type Split,
	type UpstreamBlock,
} from '../source/domain/upstream.ts';

const roles = {stable: 'engine-stable:8080', canary: 'engine-canary:8080'};

// The guide's block at the 50/50 stage, inside a fuller file like ops/nginx/canary.conf.
const GUIDE = `# Canary routing for the Involution Engine
upstream involution_engine {
    server engine-stable:8080 weight=50;   # vX (current)
    server engine-canary:8080 weight=50;   # vX+1 (new)
    keepalive 64;
}

server {
    listen 80;
    location / {
        proxy_pass http://involution_engine;
    }
}
`;

function ok<T extends object>(value: T | {error: string}): T {
	if ('error' in value) assert.fail(`unexpected error: ${value.error}`);
	return value as T;
}

function render(config: string, split: Split, name = 'involution_engine'): string {
	return ok(renderSplit(config, name, roles, split)).text;
}

test('finds the guide block with servers, roles and offsets', () => {
	const block = ok<UpstreamBlock>(findUpstream(GUIDE, 'involution_engine', roles));
	assert.equal(block.servers.length, 2);
	assert.deepEqual(
		block.servers.map(s => [s.address, s.weight, s.down, s.role]),
		[
			['engine-stable:8080', 50, false, 'stable'],
			['engine-canary:8080', 50, false, 'canary'],
		],
	);
	assert.ok(block.text.startsWith('upstream involution_engine {'));
	assert.ok(block.text.endsWith('keepalive 64;\n}'));
	assert.equal(GUIDE.slice(block.servers[0]!.start, block.servers[0]!.end), 'server engine-stable:8080 weight=50;');
	assert.deepEqual(readSplit(block), {stable: 50, canary: 50});
});

test('renders each stage with only the weights changed', () => {
	const cases: {split: Split; stable: string; canary: string}[] = [
		{split: {stable: 90, canary: 10}, stable: 'server engine-stable:8080 weight=90;   # vX (current)', canary: 'server engine-canary:8080 weight=10;   # vX+1 (new)'},
		{split: {stable: 0, canary: 100}, stable: 'server engine-stable:8080 down;   # vX (current)', canary: 'server engine-canary:8080 weight=100;   # vX+1 (new)'},
		{split: {stable: 100, canary: 0}, stable: 'server engine-stable:8080 weight=100;   # vX (current)', canary: 'server engine-canary:8080 down;   # vX+1 (new)'},
	];
	for (const {split, stable, canary} of cases) {
		const text = render(GUIDE, split);
		const expected = GUIDE.replace('server engine-stable:8080 weight=50;   # vX (current)', stable).replace(
			'server engine-canary:8080 weight=50;   # vX+1 (new)',
			canary,
		);
		assert.equal(text, expected, formatSplit(split));
		assert.ok(!text.includes('weight=0'), 'never weight=0');
		assert.deepEqual(readSplit(ok<UpstreamBlock>(findUpstream(text, 'involution_engine', roles))), split);
	}
});

test('down <-> weight transitions round-trip byte-identical', () => {
	const out = render(GUIDE, {stable: 100, canary: 0});
	assert.equal(render(out, {stable: 50, canary: 50}), GUIDE);
	// A server written with both weight and down loses the weight when going to 0 and the down when coming back.
	const both = GUIDE.replace('engine-canary:8080 weight=50;', 'engine-canary:8080 weight=5 down;');
	assert.deepEqual(readSplit(ok<UpstreamBlock>(findUpstream(both, 'involution_engine', roles))), {stable: 100, canary: 0});
	assert.ok(render(both, {stable: 100, canary: 0}).includes('server engine-canary:8080 down;   # vX+1'));
	assert.ok(render(both, {stable: 90, canary: 10}).includes('server engine-canary:8080 weight=10;   # vX+1'));
	// No weight at all (nginx's default 1): the weight goes right after the address.
	const bare = GUIDE.replace('engine-canary:8080 weight=50;', 'engine-canary:8080 max_fails=3;');
	assert.ok(render(bare, {stable: 90, canary: 10}).includes('server engine-canary:8080 weight=10 max_fails=3;'));
	assert.ok(render(bare, {stable: 100, canary: 0}).includes('server engine-canary:8080 down max_fails=3;'));
});

test('comments, other blocks, keepalive and other parameters survive untouched', () => {
	const config = `# upstream involution_engine { server fake-stable:1 weight=1; }  <- a comment, not a block
upstream other {
	server engine-stable:9000 weight=7; # must not change
}
map $http_upgrade $connection_upgrade { default upgrade; '' close; }
upstream "involution_engine" {
	zone upstreams 64k;
	server 127.0.0.1:9101 max_fails=3 weight=90 fail_timeout=5s;  # stable; "quoted" { brace } in comment
	server 127.0.0.1:9102 weight=10	max_fails=3;# canary
	keepalive 64;
}
server { listen 8080; location / { proxy_pass http://involution_engine; add_header X-Upstream "$upstream_addr" always; } }
`;
	const labRoles = {stable: '127.0.0.1:9101', canary: '127.0.0.1:9102'};
	const block = ok<UpstreamBlock>(findUpstream(config, 'involution_engine', labRoles));
	assert.deepEqual(readSplit(block), {stable: 90, canary: 10});
	const text = ok(renderSplit(config, 'involution_engine', labRoles, {stable: 25, canary: 75})).text;
	assert.equal(
		text,
		config
			.replace('max_fails=3 weight=90 fail_timeout', 'max_fails=3 weight=25 fail_timeout')
			.replace('9102 weight=10\tmax_fails', '9102 weight=75\tmax_fails'),
	);
	const back = ok(renderSplit(text, 'involution_engine', labRoles, {stable: 90, canary: 10})).text;
	assert.equal(back, config);
});

test('refuses with a message that names the problem', () => {
	const cases: {name: string; config: string; split?: Split; upstream?: string; match: RegExp}[] = [
		{name: 'not found', config: GUIDE, upstream: 'missing', match: /no "upstream missing" block/},
		{name: 'only in a comment', config: '# upstream involution_engine {\n#   server engine-stable:8080;\n# }\n', match: /no "upstream involution_engine" block/},
		{name: 'twice', config: GUIDE + GUIDE.slice(GUIDE.indexOf('upstream'), GUIDE.indexOf('}') + 1), match: /2 "upstream involution_engine" blocks/},
		{name: 'canary missing', config: GUIDE.replace(/.*engine-canary.*\n/, ''), match: /no canary server/},
		{name: 'stable twice', config: GUIDE.replace('keepalive', 'server engine-stable:8081 weight=1;\n    keepalive'), match: /2 stable servers/},
		{name: 'unbalanced open', config: GUIDE.replace('location / {', 'location / { if ($x) {'), match: /cannot be read: unexpected end of file, expecting "}"/},
		{name: 'unbalanced close', config: GUIDE + '}\n', match: /cannot be read: unexpected "}" on line 14/},
		{name: 'unterminated quote', config: GUIDE.replace('listen 80;', 'listen "80;'), match: /cannot be read/},
		{name: 'split not 100', config: GUIDE, split: {stable: 60, canary: 50}, match: /adds up to 110/},
		{name: 'both zero', config: GUIDE, split: {stable: 0, canary: 0}, match: /0\/0/},
		{name: 'fraction', config: GUIDE, split: {stable: 90.5, canary: 9.5}, match: /whole numbers/},
		{name: 'backup role', config: GUIDE.replace('engine-canary:8080 weight=50', 'engine-canary:8080 backup'), match: /marked backup/},
	];
	for (const c of cases) {
		const result = renderSplit(c.config, c.upstream ?? 'involution_engine', roles, c.split ?? {stable: 90, canary: 10});
		assert.ok('error' in result, `${c.name}: expected a refusal`);
		assert.match(result.error, c.match, c.name);
	}
});

test('role by exact address first, then by name', () => {
	const config = 'upstream u {\n server 10.0.0.5:80;\n server canary-box:80 weight=3;\n}\n';
	const block = ok<UpstreamBlock>(findUpstream(config, 'u', {stable: '10.0.0.5:80', canary: 'nope:1'}));
	assert.deepEqual(block.servers.map(s => s.role), ['stable', 'canary']);
	assert.deepEqual(readSplit(block), {stable: 25, canary: 75});
});

test('readSplit refuses when both are down', () => {
	const config = GUIDE.replace(/weight=50/g, 'down');
	const result = readSplit(ok<UpstreamBlock>(findUpstream(config, 'involution_engine', roles)));
	assert.ok('error' in result && /both servers/.test(result.error));
});

test('parseSplit', () => {
	assert.deepEqual(parseSplit('50/50'), {stable: 50, canary: 50});
	assert.deepEqual(parseSplit(' 90 / 10 '), {stable: 90, canary: 10});
	assert.deepEqual(parseSplit('0/100'), {stable: 0, canary: 100});
	for (const bad of ['50/40', '0/0', '101/-1', '50-50', 'abc', '', '1000/0', '50.5/49.5']) {
		assert.ok('error' in parseSplit(bad), bad);
	}
});

test('nextStage walks the stages and stops at the last', () => {
	assert.deepEqual(DEFAULT_STAGES.map(formatSplit), ['90/10', '50/50', '0/100']);
	assert.deepEqual(nextStage({stable: 100, canary: 0}, DEFAULT_STAGES), {stable: 90, canary: 10});
	assert.deepEqual(nextStage({stable: 90, canary: 10}, DEFAULT_STAGES), {stable: 50, canary: 50});
	assert.deepEqual(nextStage({stable: 70, canary: 30}, DEFAULT_STAGES), {stable: 50, canary: 50});
	assert.equal(nextStage({stable: 0, canary: 100}, DEFAULT_STAGES), null);
	assert.deepEqual(nextStage({stable: 5, canary: 95}, DEFAULT_STAGES), {stable: 0, canary: 100});
	assert.equal(nextStage({stable: 50, canary: 50}, [{stable: 90, canary: 10}, {stable: 50, canary: 50}]), null);
	assert.ok(splitEquals({stable: 1, canary: 99}, {stable: 1, canary: 99}));
	assert.ok(!splitEquals({stable: 1, canary: 99}, {stable: 99, canary: 1}));
});

test('upstreamDiff shows the changed lines of the block only', () => {
	const after = render(GUIDE, {stable: 100, canary: 0});
	assert.deepEqual(upstreamDiff(GUIDE, after, 'involution_engine', roles), [
		'  upstream involution_engine {',
		'-     server engine-stable:8080 weight=50;   # vX (current)',
		'-     server engine-canary:8080 weight=50;   # vX+1 (new)',
		'+     server engine-stable:8080 weight=100;   # vX (current)',
		'+     server engine-canary:8080 down;   # vX+1 (new)',
		'      keepalive 64;',
		'  }',
	]);
	assert.ok(upstreamDiff(GUIDE, GUIDE, 'involution_engine', roles).every(line => line.startsWith('  ')));
});
