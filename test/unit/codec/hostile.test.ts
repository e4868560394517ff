/**
 * Hostile compressed chunks: every refusal is a CodecError with a stable code
 * and the byte offset of the token to blame; the output never exceeds the
 * expected length; work is bounded by the expected length and the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, compressChunk, decompressChunk } from '../../../src/codec/index.js';
import { firmwareLike } from './firmware-like.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function refusal(data: Uint8Array, expected: number): CodecError {
  try {
    decompressChunk(data, expected);
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return e as CodecError;
  }
  throw new Error('decompressChunk accepted a hostile chunk');
}

describe('hlz1 hostile input', () => {
  it('a distance before the start of the chunk: codec_bad_distance at the match', () => {
    // 0 01000001 'A'  1 1 (length 2) 0 0000001 (near, distance 2): only 1 byte decoded
    // 00100000 11100000 00100000
    const e = refusal(hex('20 e0 20'), 3);
    expect(e.code).toBe('codec_bad_distance');
    expect(e.offset).toBe(1);
    expect(e.outputOffset).toBe(1);
    expect(e.message).toContain('reaches back 2 bytes at output byte 1');
  });

  it('a match at the very start (distance beyond an empty output; "distance 0" cannot be coded)', () => {
    // 1 1 (length 2) 1 11111111111 (far, distance 2048), padding
    expect(refusal(hex('ff e0'), 2).code).toBe('codec_bad_distance');
    // 1 1 0 0000000: distance 1 with nothing decoded
    expect(refusal(hex('c0 00'), 2)).toMatchObject({ code: 'codec_bad_distance', offset: 0 });
  });

  it('a match longer than the rest of the chunk: codec_overrun, output never exceeds the expected length', () => {
    // the RLE fixture (A + 9 x A) asked for 5 bytes
    expect(refusal(hex('20 c4 00 00'), 5)).toMatchObject({ code: 'codec_overrun', offset: 1, outputOffset: 1 });
  });

  it('a huge length code (more than 15 leading zeros): codec_overrun without reading further', () => {
    // 0 01000001 'A'  1 then 23 zero bits ...
    const e = refusal(hex('20 c0 00 00 00 00 00 00'), 100);
    expect(e.code).toBe('codec_overrun');
    expect(e.message).toContain('more than 15 leading zeros');
  });

  it('truncated inside a token, and output shorter than expected: codec_truncated', () => {
    expect(refusal(hex('20 90'), 2)).toMatchObject({ code: 'codec_truncated', offset: 1, outputOffset: 1 });
    // a valid 10-byte chunk asked for 11: the stream ends (at its zero padding) before the 11th byte
    expect(refusal(hex('20 c4 00 00'), 11).code).toBe('codec_truncated');
    expect(refusal(new Uint8Array(0), 1)).toMatchObject({ code: 'codec_truncated', offset: 0, outputOffset: 0 });
  });

  it('trailing bytes or non-zero padding after the last token: codec_trailing', () => {
    expect(refusal(hex('20 c4 00 00 00'), 10)).toMatchObject({ code: 'codec_trailing', offset: 4 });
    expect(refusal(hex('20 c4 00 01'), 10)).toMatchObject({ code: 'codec_trailing', offset: 3 });
    expect(refusal(hex('00'), 0).code).toBe('codec_trailing');
  });

  it('a bad expected length is a typed error, never an allocation', () => {
    for (const n of [-1, 1.5, 0x10000, 2 ** 32, Number.NaN]) expect(refusal(hex('20 c4 00 00'), n).code).toBe('codec_bad_length');
  });

  it('random and mutated chunks: accepted with exactly the expected length, or a CodecError; bounded', () => {
    const valid = compressChunk(firmwareLike(4096, 3))!;
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.tuple(fc.nat(valid.length - 1), fc.nat(255), fc.nat(valid.length)).map(([at, v, cut]) => {
        const m = valid.slice(0, Math.max(cut, at + 1));
        m[at] = v;
        return m;
      }),
    );
    fc.assert(
      fc.property(input, fc.oneof(fc.constant(4096), fc.nat(8192)), (data, expected) => {
        const once = (): number => {
          const t0 = performance.now();
          try {
            expect(decompressChunk(data, expected).length).toBe(expected);
          } catch (e) {
            expect(e).toBeInstanceOf(CodecError);
            expect((e as CodecError).offset).toBeLessThanOrEqual(data.length);
          }
          return performance.now() - t0;
        };
        // a slow case is timed again (as the fuzz harness does): a hang repeats, a pause of the shared machine does not
        let ms = once();
        for (let i = 0; i < 3 && ms >= 100; i++) ms = Math.min(ms, once());
        expect(ms).toBeLessThan(100);
      }),
      { numRuns: 1000 },
    );
  });
});
