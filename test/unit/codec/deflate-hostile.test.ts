/**
 * Hostile deflate chunks (codec 2): every refusal is a CodecError with a
 * stable code and the byte offset of the symbol or header to blame; the
 * output never exceeds the expected length; a bomb stops at the chunk's end.
 * Streams are built by hand (deflate-bits.ts) where the point is one field.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CodecError, CodecId, DEFLATE_WINDOW, compressChunk, decompressChunk } from '../../../src/codec/index.js';
import { DeflateBits, stored } from './deflate-bits.js';
import { firmwareLike } from './firmware-like.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const inflate = (data: Uint8Array, n: number): Uint8Array => decompressChunk(data, n, CodecId.Deflate);

function refusal(data: Uint8Array, expected: number): CodecError {
  try {
    inflate(data, expected);
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return e as CodecError;
  }
  throw new Error('the deflate decoder accepted a hostile chunk');
}

/** A non-final stored block of 2100 x 0x55, then a final fixed block with one match of length 3 at `distance`. */
function farMatch(distance: number): Uint8Array {
  const w = stored(new DeflateBits(), false, new Uint8Array(2100).fill(0x55));
  const sym = distance > 2048 ? 22 : 21; // 22: 2049..3072 (10 extra bits), 21: 1537..2048 (9)
  const extra = distance > 2048 ? distance - 2049 : distance - 1537;
  return w.bits(1, 1).bits(1, 2).lit(257).dist(sym).bits(extra, distance > 2048 ? 10 : 9).lit(256).done();
}

describe('deflate hostile input', () => {
  it('hand-built fixtures decode (so the refusals below are about the one field they change)', () => {
    // 73 74 02 00 = BFINAL 1, BTYPE 01 (fixed), 'A' (01110001), 'B' (01110010), end-of-block (0000000), padding
    expect(inflate(hex('73 74 02 00'), 2)).toEqual(ascii('AB'));
    // 73 84 03 00 = fixed final block: 'A', length symbol 263 (length 9, code 0000111), distance symbol 0 (distance 1), end-of-block
    expect(inflate(hex('73 84 03 00'), 10)).toEqual(ascii('AAAAAAAAAA'));
    // a distance of exactly the window (2048) is accepted: ... 03 d6 ff 00 after the stored block
    const at2048 = farMatch(DEFLATE_WINDOW);
    expect(Buffer.from(at2048.subarray(2105)).toString('hex')).toBe('03d6ff00');
    expect(inflate(at2048, 2103).subarray(2100)).toEqual(new Uint8Array(3).fill(0x55));
  });

  it('a distance beyond the 2048-byte window: codec_bad_distance at the match (zlib with a 32 KiB window would take it)', () => {
    // 00 34 08 cb f7 = non-final stored block, LEN 2100 (0x0834), NLEN 0xf7cb; 2100 x 55; then
    // 03 b6 19 00 = BFINAL 1, BTYPE 01, length symbol 257 (length 3, 0000001), distance symbol 22 (10110) + 10 extra bits 51: distance 2100, end-of-block
    const s = farMatch(2100);
    expect(Buffer.from(s.subarray(0, 5)).toString('hex')).toBe('003408cbf7');
    expect(Buffer.from(s.subarray(2105)).toString('hex')).toBe('03b61900');
    expect(inflateRawSync(s)).toHaveLength(2103); // valid RFC 1951, only the window refuses it
    const e = refusal(s, 2103);
    expect(e).toMatchObject({ code: 'codec_bad_distance', offset: 2105, outputOffset: 2100 });
    expect(e.message).toContain('beyond the 2048-byte window');
  });

  it('a distance before the start of the chunk: codec_bad_distance', () => {
    // 03 02 00 = fixed final block, length symbol 257 (length 3), distance symbol 0 (distance 1) with nothing output yet
    expect(refusal(hex('03 02 00'), 3)).toMatchObject({ code: 'codec_bad_distance', offset: 0, outputOffset: 0 });
  });

  it('a truncated stream, and a stream with no final block: codec_truncated', () => {
    expect(refusal(hex('73 74'), 2)).toMatchObject({ code: 'codec_truncated', outputOffset: 1 });
    // 72 74 02 00 = the 'AB' block with BFINAL 0: the input ends where the next block header should be
    const e = refusal(hex('72 74 02 00'), 2);
    expect(e).toMatchObject({ code: 'codec_truncated', outputOffset: 2 });
    expect(refusal(new Uint8Array(0), 0)).toMatchObject({ code: 'codec_truncated', offset: 0 });
  });

  it('output shorter or longer than expected: codec_truncated / codec_overrun, never more than the expected length', () => {
    expect(refusal(hex('73 84 03 00'), 11)).toMatchObject({ code: 'codec_truncated', outputOffset: 10 });
    expect(refusal(hex('73 84 03 00'), 9)).toMatchObject({ code: 'codec_overrun', offset: 1, outputOffset: 1 });
    expect(refusal(hex('73 74 02 00'), 1)).toMatchObject({ code: 'codec_overrun', outputOffset: 1 });
    // a stored block longer than the chunk
    expect(refusal(stored(new DeflateBits(), true, ascii('hello')).done(), 4)).toMatchObject({ code: 'codec_overrun', offset: 0 });
  });

  it('bytes after the final block: codec_trailing at the first of them', () => {
    expect(refusal(hex('73 74 02 00 00'), 2)).toMatchObject({ code: 'codec_trailing', offset: 4, outputOffset: 2 });
    const valid = compressChunk(firmwareLike(2048, 5), CodecId.Deflate)!;
    expect(refusal(Uint8Array.from([...valid, 0x01]), 2048)).toMatchObject({ code: 'codec_trailing', offset: valid.length });
  });

  it('block type 3 and a stored block whose NLEN is wrong: codec_bad_block', () => {
    // 07 = BFINAL 1, BTYPE 11
    expect(refusal(hex('07'), 1)).toMatchObject({ code: 'codec_bad_block', offset: 0 });
    // 01 02 00 fd ff 41 42 = BFINAL 1, BTYPE 00, padding, LEN 2, NLEN 0xfffd (= ~2), 'AB'; then NLEN 0xfffc
    expect(inflate(hex('01 02 00 fd ff 41 42'), 2)).toEqual(ascii('AB'));
    expect(refusal(hex('01 02 00 fc ff 41 42'), 2)).toMatchObject({ code: 'codec_bad_block', offset: 0 });
  });

  it('invalid code lengths: codec_bad_code (over-subscribed, incomplete, repeat with nothing before, no end-of-block, too many codes)', () => {
    const dyn = (hlit: number, hdist: number, clens: number[]): DeflateBits => {
      const w = new DeflateBits().bits(1, 1).bits(2, 2).bits(hlit - 257, 5).bits(hdist - 1, 5).bits(clens.length - 4, 4);
      for (const l of clens) w.bits(l, 3);
      return w;
    };
    // 19 code-length codes of 1 bit: 2 fit
    expect(refusal(dyn(257, 1, new Array<number>(19).fill(1)).done(), 10).message).toContain('over-subscribed');
    // one code-length code of 2 bits: three quarters of the code space unused
    expect(refusal(dyn(257, 1, [2, 0, 0, 0]).done(), 10).message).toContain('incomplete');
    // code-length codes: 16 -> 1 bit (0), 17 -> 1 bit (1); the first symbol is 16 "repeat the previous length"
    expect(refusal(dyn(257, 1, [1, 1, 0, 0]).code(0, 1).bits(0, 2).done(), 10).message).toContain('none before it');
    // 18 (11..138 zeros) twice: 138 + 120 = 258 zeros: symbol 256 gets no code
    const noEob = dyn(257, 1, [0, 1, 1, 0]).code(1, 1).bits(127, 7).code(1, 1).bits(120 - 11, 7).done();
    expect(refusal(noEob, 10)).toMatchObject({ code: 'codec_bad_code', message: expect.stringContaining('end-of-block') as string });
    // HLIT 287 (only 286 exist)
    const e = refusal(dyn(287, 1, [1, 1, 0, 0]).done(), 10);
    expect(e).toMatchObject({ code: 'codec_bad_code', offset: 0 });
    expect(e.message).toContain('287 literal/length');
  });

  it('symbols the fixed code has but the format forbids: literal/length 286, distance 30', () => {
    expect(refusal(new DeflateBits().bits(1, 1).bits(1, 2).lit(286).done(), 10).message).toContain('symbol 286');
    expect(refusal(new DeflateBits().bits(1, 1).bits(1, 2).lit(65).lit(257).dist(30).done(), 10).message).toContain('distance symbol 30');
  });

  it('a deflate bomb (8 MiB of zeros in a few KiB) stops at the chunk end: codec_overrun, fast, memory bounded', () => {
    const bomb = new Uint8Array(deflateRawSync(new Uint8Array(8 << 20), { level: 9, windowBits: 11 }));
    expect(bomb.length).toBeLessThan(16 * 1024);
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const e = refusal(bomb, 0xffff);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(e.code).toBe('codec_overrun');
    expect(e.outputOffset).toBeLessThanOrEqual(0xffff);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(4 << 20);
  });

  it('a frame full of block headers (empty fixed blocks, empty dynamic blocks with full code tables) is bounded: under 1 s for 64 KiB', () => {
    // empty dynamic block: HLIT 257, HDIST 1, HCLEN 18; code-length code {0: 2 bits, 1: 2 bits, 18: 1 bit};
    // lengths: 18 x 138 zeros, 18 x 118 zeros, 1 (symbol 256), 0 (the one distance); then end-of-block (code 0)
    const CL: Record<number, number> = { 18: 1, 0: 2, 1: 2 }; // canonical: 18 -> 0, 0 -> 10, 1 -> 11
    const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
    const emptyDynamic = (w: DeflateBits, final: boolean): DeflateBits => {
      w.bits(final ? 1 : 0, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(18 - 4, 4);
      for (const sym of order) w.bits(CL[sym] ?? 0, 3);
      return w.code(0, 1).bits(138 - 11, 7).code(0, 1).bits(118 - 11, 7).code(3, 2).code(2, 2).code(0, 1);
    };
    const fixedEmpty = (w: DeflateBits, final: boolean): DeflateBits => w.bits(final ? 1 : 0, 1).bits(1, 2).lit(256);
    for (const block of [emptyDynamic, fixedEmpty]) {
      const w = new DeflateBits();
      while (w.size < 65000) block(w, false);
      const s = block(w, true).done();
      expect(s.length).toBeGreaterThan(60000);
      const t0 = performance.now();
      expect(inflate(s, 0)).toHaveLength(0);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});
