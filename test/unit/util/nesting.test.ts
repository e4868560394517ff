import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTooDeep, preview } from '../../../src/util/nesting.js';

describe('findTooDeep', () => {
  it('finds the first bracket past the limit, with its line', () => {
    expect(findTooDeep('{"a": [[1]]}', 3, 'json')).toBeUndefined();
    expect(findTooDeep('{"a": [[[1]]]}', 3, 'json')).toEqual({ index: 8, line: 1 });
    expect(findTooDeep('{\n"a":\n[[\n[1]]]}', 3, 'json')).toEqual({ index: 10, line: 4 });
  });

  it('ignores brackets inside JSON strings, escaped quotes included', () => {
    expect(findTooDeep('["[[[[", "\\"[[[[", "{{{{"]', 1, 'json')).toBeUndefined();
    expect(findTooDeep('["\\\\", [1]]', 1, 'json')).toEqual({ index: 7, line: 1 });
  });

  it('ignores brackets in TOML strings of every kind and in comments, and counts lines inside multi-line strings', () => {
    const toml = ["a = '[[[['", 'b = """', '[[[[', '"""', "c = '''[[[['''", 'd = "[[" # [[[[', '[table]', 'e = [[1]]'].join('\n');
    expect(findTooDeep(toml, 2, 'toml')).toBeUndefined();
    expect(findTooDeep(toml + '\nf = [[[1]]]', 2, 'toml')).toEqual({ index: toml.length + 7, line: 9 });
    expect(findTooDeep('a = """x""""\nb = [[[1]]]', 2, 'toml')?.line).toBe(2);
  });

  it('treats # as an ordinary character in JSON', () => {
    expect(findTooDeep('["#", [[1]]]', 2, 'json')).toEqual({ index: 7, line: 1 });
  });

  it('is exact for any nesting depth and costs no stack (200,000 levels)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 300 }), (depth, max) => {
        const found = findTooDeep('['.repeat(depth) + ']'.repeat(depth), max, 'json');
        expect(found === undefined).toBe(depth <= max);
        if (found) expect(found.index).toBe(max);
      }),
    );
    expect(findTooDeep('['.repeat(200_000) + ']'.repeat(200_000), 32, 'toml')).toEqual({ index: 32, line: 1 });
  });
});

describe('preview', () => {
  it('keeps short text and cuts long text with its length', () => {
    expect(preview('abc')).toBe('abc');
    expect(preview('['.repeat(6000), 10)).toBe('[[[[[[[[[[... (6000 characters)');
  });
});
