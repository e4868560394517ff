/**
 * hlz1 byte fixtures (docs/compression.md section 3): each is the exact
 * encoding of a small input, annotated bit by bit (MSB first), decoded and,
 * where the encoder produces it, encoded. A change to the format breaks
 * these before it breaks a board.
 */
import { describe, expect, it } from 'vitest';
import { CODECS, CodecId, compressChunk, decompressChunk } from '../../../src/codec/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('hlz1 fixtures', () => {
  it('a literal run: 0 + 8 bits per byte, zero padding to the byte', () => {
    // 0 01000001 ('A')  0 01000010 ('B')  000000 (padding)
    // 00100000 10010000 10000000
    expect(decompressChunk(hex('20 90 80'), 2)).toEqual(ascii('AB'));
    // 3 bytes for 2: never sent compressed
    expect(compressChunk(ascii('AB'))).toBeUndefined();
  });

  it('an overlapping match is a run (RLE): distance 1, length 9', () => {
    // 0 01000001 ('A')  1 (match) 000 1000 (gamma 8: length 9)  0 0000000 (near, distance 1)  0000000 (padding)
    // 00100000 11000100 00000000 00000000
    const enc = hex('20 c4 00 00');
    expect(compressChunk(ascii('AAAAAAAAAA'))).toEqual(enc);
    expect(decompressChunk(enc, 10)).toEqual(ascii('AAAAAAAAAA'));
  });

  it('literals, a match longer than its distance, a literal, the end', () => {
    // 0 01000001 'A'  0 01000010 'B'  0 01000011 'C'
    // 1 0001000 (length 9) 0 0000010 (distance 3)  0 00100001 '!'  0000 (padding)
    const enc = hex('20 90 88 71 00 42 10');
    expect(compressChunk(ascii('ABCABCABCABC!'))).toEqual(enc);
    expect(decompressChunk(enc, 13)).toEqual(ascii('ABCABCABCABC!'));
  });

  it('a far match: flag 1 + 11 bits of distance - 1', () => {
    // '0123' as 4 literals, '.' a literal, 1 0000000 11000110 0 0000000 (199 x '.', distance 1),
    // 1 011 (length 4) 1 00011001011 (far, distance 204), 000 (padding)
    const input = new Uint8Array([...ascii('0123'), ...new Uint8Array(200).fill(0x2e), ...ascii('0123')]);
    const enc = hex('18 0c 46 43 31 74 06 30 05 c6 58');
    expect(compressChunk(input)).toEqual(enc);
    expect(decompressChunk(enc, input.length)).toEqual(input);
  });

  it('a near and a far form of the same distance decode alike', () => {
    // 0 01000001 'A'  1 1 (length 2) 1 00000000000 (far, distance 1)  0 (padding)
    // 00100000 11110000 00000000
    expect(decompressChunk(hex('20 f0 00'), 3)).toEqual(ascii('AAA'));
    // 0 01000001 'A'  1 1 (length 2) 0 0000000 (near, distance 1)  00000 (padding)
    // 00100000 11100000 00000000
    expect(decompressChunk(hex('20 e0 00'), 3)).toEqual(ascii('AAA'));
  });

  it('an empty chunk is an empty input', () => {
    expect(decompressChunk(new Uint8Array(0), 0)).toEqual(new Uint8Array(0));
    expect(compressChunk(new Uint8Array(0))).toBeUndefined();
  });

  it('advertises its window and decoder RAM; codec 0 passes chunks through', () => {
    expect(CODECS[CodecId.Hlz1]).toEqual({ id: 1, name: 'hlz1', windowBytes: 2048, decoderRamBytes: 2064 });
    expect(CODECS[CodecId.None].id).toBe(0);
    expect(compressChunk(ascii('AAAAAAAAAA'), CodecId.None)).toBeUndefined();
    expect(decompressChunk(ascii('AB'), 2, CodecId.None)).toEqual(ascii('AB'));
  });
});
