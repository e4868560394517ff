/**
 * How deep brackets nest in JSON or TOML text, measured without parsing and
 * without recursion, so a hostile document (30,000 nested arrays) is refused
 * before a recursive parser or validator can overflow the stack. Brackets
 * inside strings do not count. Pure: imports nothing.
 */

export interface TooDeep {
  /** UTF-16 index in the text where the nesting first went past the limit. */
  readonly index: number;
  /** 1-based line of that index. */
  readonly line: number;
}

/**
 * The first place where `[`/`{` nesting exceeds `maxDepth`, or undefined.
 * `syntax` chooses the string rules: JSON has "..." with backslash escapes;
 * TOML also has '...' literal strings, triple-quoted strings and # comments.
 */
export function findTooDeep(text: string, maxDepth: number, syntax: 'json' | 'toml'): TooDeep | undefined {
  let depth = 0;
  let line = 1;
  const toml = syntax === 'toml';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { index: i, line };
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if (c === 0x22 || (toml && c === 0x27)) {
      const end = skipString(text, i, toml);
      for (let j = i; j < end; j++) if (text.charCodeAt(j) === 0x0a) line++;
      i = end - 1;
    } else if (toml && c === 0x23) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 0x0a) i++;
    }
  }
  return undefined;
}

/** Index just past the string starting at `start` (or the text's end when it never closes). */
function skipString(text: string, start: number, toml: boolean): number {
  const quote = text[start]!;
  const triple = toml && text.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  const escapes = quote === '"';
  let i = start + close.length;
  while (i < text.length) {
    if (escapes && text[i] === '\\') i += 2;
    else if (text.startsWith(close, i)) {
      i += close.length;
      // a TOML triple-quoted string may end with up to two quotes of its own before the closing three
      for (let extra = 0; triple && extra < 2 && text[i] === quote; extra++) i++;
      return i;
    } else if (!triple && text[i] === '\n') return i; // unterminated: let the parser report it
    else i++;
  }
  return text.length;
}

/** `text` cut to `max` characters with an ellipsis, for echoing hostile input in messages. */
export function preview(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}
