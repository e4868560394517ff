import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedLines, type Line } from '../../../src/util/lines.js';

const enc = new TextEncoder();

const toAsync = (items: Uint8Array[]): AsyncIterable<Uint8Array> => ({
  [Symbol.asyncIterator]: () => {
    let i = 0;
    return { next: () => Promise.resolve(i < items.length ? { done: false, value: items[i++]! } : { done: true, value: undefined }) };
  },
});

async function collect(chunks: (string | Uint8Array)[], max: number): Promise<Line[]> {
  const source = chunks.map((c) => (typeof c === 'string' ? enc.encode(c) : c));
  const out: Line[] = [];
  for await (const l of boundedLines(toAsync(source), max)) out.push(l);
  return out;
}

describe('boundedLines', () => {
  it('splits lines across chunk boundaries, strips CR, keeps a last line without newline', async () => {
    expect(await collect(['ab', 'c\r\nde', 'f\n\ng'], 10)).toEqual([
      { number: 1, text: 'abc', tooLong: false },
      { number: 2, text: 'def', tooLong: false },
      { number: 3, text: '', tooLong: false },
      { number: 4, text: 'g', tooLong: false },
    ]);
  });

  it('yields a line over the cap once, cut to the cap, skips the rest of it, and goes on with the next line', async () => {
    expect(await collect(['0123', '456789', 'abcdef', 'XYZ\nnext\n'], 5)).toEqual([
      { number: 1, text: '01234', tooLong: true },
      { number: 2, text: 'next', tooLong: false },
    ]);
    expect(await collect(['0123456789\nok'], 5)).toEqual([
      { number: 1, text: '01234', tooLong: true },
      { number: 2, text: 'ok', tooLong: false },
    ]);
  });

  it('a line of exactly the cap is not too long', async () => {
    expect(await collect(['12345\n'], 5)).toEqual([{ number: 1, text: '12345', tooLong: false }]);
  });

  it('reads 64 MiB with no newline holding no more than the cap', async () => {
    const block = new Uint8Array(1 << 20);
    const lines = await collect(Array.from({ length: 64 }, () => block), 1024);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.tooLong).toBe(true);
    expect(lines[0]!.text).toHaveLength(1024);
  });

  it('gives the same lines as split("\\n") for lines under the cap, however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[a-z ]{0,12}$/), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), async (lines, cuts) => {
        const text = lines.join('\n');
        const chunks: string[] = [];
        for (let at = 0, i = 0; at < text.length; i++) {
          const n = cuts[i % cuts.length]!;
          chunks.push(text.slice(at, at + n));
          at += n;
        }
        const got = (await collect(chunks, 12)).map((l) => l.text);
        const want = text === '' ? [] : text.split('\n');
        if (text.endsWith('\n')) want.pop();
        expect(got).toEqual(want);
      }),
    );
  });
});
