// A tokenizer and directive tree for nginx configuration text, following the rules of
// nginx's own reader (ngx_conf_read_token): `#` starts a comment only at the start of a
// token, quoted strings may hold spaces, `;` `{` `}` end a bare word, and `${var}` keeps
// its braces. Every node remembers its byte offsets so edits can leave all else untouched.

export interface NginxToken {
	kind: 'word' | ';' | '{' | '}';
	/** The word with quotes and escapes removed. */
	value: string;
	start: number;
	end: number;
	line: number;
}

export interface NginxDirective {
	/** Name and arguments. */
	words: NginxToken[];
	/** Offset of the first word. */
	start: number;
	/** Offset just after the closing `;` or `}`. */
	end: number;
	line: number;
	/** Child directives for a block (`upstream x { ... }`), null for a simple directive. */
	children: NginxDirective[] | null;
}

export interface NginxSyntaxError {
	error: string;
	line: number;
}

function isSpace(ch: string): boolean {
	return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Splits the text into tokens; comments and whitespace are dropped. */
export function tokenize(text: string): NginxToken[] | NginxSyntaxError {
	const tokens: NginxToken[] = [];
	let i = 0;
	let line = 1;
	while (i < text.length) {
		const ch = text[i]!;
		if (ch === '\n') {
			line++;
			i++;
			continue;
		}
		if (isSpace(ch)) {
			i++;
			continue;
		}
		if (ch === '#') {
			while (i < text.length && text[i] !== '\n') i++;
			continue;
		}
		if (ch === ';' || ch === '{' || ch === '}') {
			tokens.push({kind: ch, value: ch, start: i, end: i + 1, line});
			i++;
			continue;
		}
		const start = i;
		const startLine = line;
		let value = '';
		if (ch === '"' || ch === "'") {
			i++;
			let closed = false;
			while (i < text.length) {
				const c = text[i]!;
				if (c === '\\' && i + 1 < text.length) {
					const next = text[i + 1]!;
					// nginx unescapes only the quote and the backslash; other pairs stay as written.
					value += next === ch || next === '\\' ? next : c + next;
					if (next === '\n') line++;
					i += 2;
					continue;
				}
				if (c === ch) {
					closed = true;
					i++;
					break;
				}
				if (c === '\n') line++;
				value += c;
				i++;
			}
			if (!closed) return {error: `unexpected end of file, expecting ${ch === '"' ? '"\\""' : `"'"`}`, line};
			const after = text[i];
			if (after !== undefined && !isSpace(after) && after !== ';' && after !== '{' && after !== '}') {
				return {error: `unexpected "${after}"`, line};
			}
		} else {
			while (i < text.length) {
				const c = text[i]!;
				if (isSpace(c) || c === ';' || c === '}') break;
				if (c === '{' && text[i - 1] !== '$') break;
				if (c === '\\' && i + 1 < text.length) {
					value += text[i + 1];
					i += 2;
					continue;
				}
				value += c;
				i++;
			}
		}
		tokens.push({kind: 'word', value, start, end: i, line: startLine});
	}
	return tokens;
}

/** Parses the text into a directive tree; refuses unbalanced braces and unterminated directives. */
export function parseNginx(text: string): NginxDirective[] | NginxSyntaxError {
	const tokens = tokenize(text);
	if (!Array.isArray(tokens)) return tokens;
	const root: NginxDirective[] = [];
	const stack: {directive: NginxDirective | null; children: NginxDirective[]}[] = [{directive: null, children: root}];
	let words: NginxToken[] = [];
	for (const token of tokens) {
		const top = stack[stack.length - 1]!;
		if (token.kind === 'word') {
			words.push(token);
			continue;
		}
		if (token.kind === ';' || token.kind === '{') {
			if (words.length === 0) return {error: `unexpected "${token.kind}"`, line: token.line};
			const directive: NginxDirective = {
				words,
				start: words[0]!.start,
				end: token.end,
				line: words[0]!.line,
				children: token.kind === '{' ? [] : null,
			};
			top.children.push(directive);
			if (directive.children) stack.push({directive, children: directive.children});
			words = [];
			continue;
		}
		// '}'
		if (words.length > 0) return {error: 'unexpected "}"', line: token.line};
		if (stack.length === 1) return {error: 'unexpected "}"', line: token.line};
		top.directive!.end = token.end;
		stack.pop();
	}
	const lastLine = text.split('\n').length;
	if (words.length > 0) return {error: 'unexpected end of file, expecting ";" or "}"', line: lastLine};
	if (stack.length > 1) return {error: 'unexpected end of file, expecting "}"', line: lastLine};
	return root;
}

/** Every directive in the tree, depth first, in file order. */
export function walkDirectives(directives: NginxDirective[]): NginxDirective[] {
	const out: NginxDirective[] = [];
	for (const directive of directives) {
		out.push(directive);
		if (directive.children) out.push(...walkDirectives(directive.children));
	}
	return out;
}

/** 1-based line number of an offset. */
export function lineAt(text: string, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
	return line;
}
