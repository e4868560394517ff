import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsMaxEncodedSize } from '../../../src/protocol/cobs.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);
const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** The standard Cheshire-Baker examples (as listed on Wikipedia's COBS page), delimiter not included. */
const VECTORS: [string, Uint8Array, Uint8Array][] = [
  ['00', hex('00'), hex('01 01')],
  ['00 00', hex('00 00'), hex('01 01 01')],
  ['00 11 00', hex('00 11 00'), hex('01 02 11 01')],
  ['11 22 00 33', hex('11 22 00 33'), hex('03 11 22 02 33')],
  ['11 22 33 44', hex('11 22 33 44'), hex('05 11 22 33 44')],
  ['11 00 00 00', hex('11 00 00 00'), hex('02 11 01 01 01')],
  ['01..FE (254 bytes)', range(1, 254), cat(hex('ff'), range(1, 254))],
  ['00 01..FE (255 bytes)', cat(hex('00'), range(1, 254)), cat(hex('01 ff'), range(1, 254))],
  ['01..FF (255 bytes)', range(1, 255), cat(hex('ff'), range(1, 254), hex('02 ff'))],
  ['02..FF 00 (255 bytes)', cat(range(2, 255), hex('00')), cat(hex('ff'), range(2, 255), hex('01 01'))],
  ['03..FF 00 01 (255 bytes)', cat(range(3, 255), hex('00 01')), cat(hex('fe'), range(3, 255), hex('02 01'))],
];

describe('COBS', () => {
  it.each(VECTORS)('encodes and decodes %s', (_name, raw, enc) => {
    expect(toHex(cobsEncode(raw))).toBe(toHex(enc));
    expect(toHex(cobsDecode(enc))).toBe(toHex(raw));
  });

  it('encodes empty input as 01', () => {
    expect(toHex(cobsEncode(new Uint8Array(0)))).toBe('01');
    expect(toHex(cobsDecode(hex('01')))).toBe('');
  });

  it('rejects invalid runs', () => {
    expect(cobsDecode(new Uint8Array(0))).toBeUndefined();
    expect(cobsDecode(hex('05 11 22'))).toBeUndefined(); // code points past the end
    expect(cobsDecode(hex('03 11 00'))).toBeUndefined(); // zero inside a run
    expect(cobsDecode(hex('00 11'))).toBeUndefined(); // zero code byte
  });

  it('round-trips any bytes within the size bound and never emits 0x00', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), fc.boolean(), (raw, sparse) => {
        const src = sparse ? raw.map((b) => (b < 200 ? 0 : b)) : raw;
        const enc = cobsEncode(src);
        expect(enc.length).toBeLessThanOrEqual(cobsMaxEncodedSize(src.length));
        expect(enc.includes(0)).toBe(false);
        expect(toHex(cobsDecode(enc))).toBe(toHex(src));
      }),
    );
  });

  it('reaches the size bound for zero-free input', () => {
    expect(cobsEncode(new Uint8Array(508).fill(7))).toHaveLength(cobsMaxEncodedSize(508));
    expect(cobsMaxEncodedSize(0)).toBe(1);
    expect(cobsMaxEncodedSize(254)).toBe(255);
    expect(cobsMaxEncodedSize(255)).toBe(257);
  });

  it('never throws on random runs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(() => cobsDecode(b)).not.toThrow();
      }),
    );
  });
});
