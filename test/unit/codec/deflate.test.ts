/**
 * Codec 2 (deflate) round trips (fast-check) on arbitrary, repetitive and
 * firmware-like chunks, the edge sizes, the per-chunk choice of the smallest
 * codec, and the decoder against zlib: whatever it accepts, zlib inflates to
 * the same bytes (it is never more lenient than RFC 1951).
 */
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODECS, CodecError, CodecId, compressBest, compressChunk, decompressChunk, entropyBits, looksIncompressible } from '../../../src/codec/index.js';
import { firmwareImage } from '../../integration/delta-images.js';
import { firmwareLike, hsxFixtures, randomBytes } from './firmware-like.js';

const D = CodecId.Deflate;

function roundTrip(x: Uint8Array): void {
  const c = compressChunk(x, D);
  if (c === undefined) return;
  expect(c.length).toBeLessThan(x.length);
  expect(decompressChunk(c, x.length, D)).toEqual(x);
}

/** Runs, repeated phrases and noise. */
const repetitive: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 600 }), fc.nat(255)).map(([n, v]) => new Uint8Array(n).fill(v)),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 80 })).map(([u, k]) => Uint8Array.from({ length: u.length * k }, (_, i) => u[i % u.length]!)),
      fc.uint8Array({ maxLength: 40 }),
    ),
    { maxLength: 20 },
  )
  .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])).subarray(0, 8192));

describe('deflate round trip', () => {
  it('decompress(compress(x)) = x for arbitrary, repetitive and firmware-like chunks', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), roundTrip), { numRuns: 200 });
    fc.assert(fc.property(repetitive, roundTrip), { numRuns: 200 });
    const img = firmwareLike(64 * 1024, 4);
    for (const chunk of [256, 1024, 2048, 4096]) for (let o = 0; o < img.length; o += chunk) roundTrip(img.subarray(o, o + chunk));
  });

  it('edge sizes: 0..3 bytes never shrink, 65535 bytes (zeros, firmware) round-trip, 65536 is refused', () => {
    for (const n of [0, 1, 2, 3]) expect(compressChunk(new Uint8Array(n), D)).toBeUndefined();
    expect(compressChunk(new Uint8Array(4), D)).toBeUndefined();
    for (const x of [new Uint8Array(0xffff), firmwareLike(0xffff, 8)]) {
      const c = compressChunk(x, D)!;
      expect(c.length).toBeLessThan(x.length);
      expect(decompressChunk(c, 0xffff, D)).toEqual(x);
    }
    expect(() => compressChunk(new Uint8Array(0x10000), D)).toThrow(expect.objectContaining({ code: 'codec_bad_length' }) as Error);
    expect(decompressChunk(Uint8Array.from([0x03, 0x00]), 0, D)).toEqual(new Uint8Array(0)); // a final fixed block with only end-of-block
  });

  it('random data is never sent compressed', () => {
    for (const n of [16, 256, 1024, 4096]) expect(compressChunk(randomBytes(n, n), D)).toBeUndefined();
  });

  it('the encoder stays within the 2048-byte window (every distance is checked by the decoder)', () => {
    const a = randomBytes(1500, 3);
    const x = Uint8Array.from([...a, ...randomBytes(1000, 4), ...a]); // the repeat is 2500 back: out of reach
    const c = compressChunk(x, D);
    if (c !== undefined) expect(decompressChunk(c, x.length, D)).toEqual(x);
    const near = Uint8Array.from([...a, ...randomBytes(200, 4), ...a]); // 1700 back: within zlib's 2048 - 262
    expect(compressChunk(near, D)!.length).toBeLessThan(2500);
  });
});

describe('deflate decoder against zlib', () => {
  it('a mutated stream is refused with a CodecError, or decodes to exactly what zlib gives', () => {
    const img = firmwareLike(32 * 1024, 6);
    const valid = fc.tuple(fc.nat(img.length - 2048), fc.integer({ min: 64, max: 2048 })).map(([at, n]) => img.slice(at, at + n));
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 });
    let accepted = 0;
    fc.assert(
      fc.property(valid, mutation, (x, ms) => {
        const c = compressChunk(x, D);
        if (c === undefined) return;
        const bad = c.slice();
        for (const [at, v] of ms) bad[at % bad.length]! ^= v;
        let out: Uint8Array;
        try {
          out = decompressChunk(bad, x.length, D);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
          return;
        }
        accepted++;
        expect(out).toHaveLength(x.length);
        expect(new Uint8Array(inflateRawSync(bad))).toEqual(out);
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(0); // some flips land in literals: the property saw acceptances too
  });
});

describe('the smallest codec per chunk', () => {
  it('deflate where Huffman coding pays, hlz1 where short matches do: the choice follows the sizes', () => {
    const skewed = Uint8Array.from(randomBytes(2048, 7), (b) => (b & 0x0f) * 3); // 16 values, few repeats: deflate's Huffman wins
    const phrase = new TextEncoder().encode('ABCABCABCABC!'); // hlz1's 7 bytes beat deflate's
    for (const [x, want] of [[skewed, CodecId.Deflate], [phrase, CodecId.Hlz1]] as const) {
      const h = compressChunk(x, CodecId.Hlz1)!;
      const d = compressChunk(x, D)!;
      const best = compressBest(x, [CodecId.Hlz1, D])!;
      expect(best.codec).toBe(want);
      expect(best.bytes.length).toBe(Math.min(h.length, d.length));
      expect(decompressChunk(best.bytes, x.length, best.codec)).toEqual(x);
      expect(compressBest(x, [CodecId.Hlz1])?.codec).toBe(CodecId.Hlz1); // only what both sides know
    }
    expect(compressBest(randomBytes(2048, 1), [CodecId.Hlz1, D])).toBeUndefined();
    expect(compressBest(firmwareLike(2048), [])).toBeUndefined();
  });

  it('the entropy skip: random 2 KiB chunks are skipped, no firmware chunk that compresses is', () => {
    for (let s = 0; s < 50; s++) expect(looksIncompressible(randomBytes(2048, s))).toBe(true);
    const img = firmwareImage(128 * 1024);
    for (const chunk of [1024, 2048, 4096]) {
      for (let o = 0; o < img.length; o += chunk) {
        const x = img.subarray(o, o + chunk);
        if (compressChunk(x, CodecId.Hlz1) !== undefined || compressChunk(x, D) !== undefined) expect(entropyBits(x)).toBeLessThan(7.9);
      }
    }
    expect(entropyBits(new Uint8Array(100))).toBe(0);
  });

  it('a random blob stored twice is high-entropy but repeats itself: it is tried, and deflate halves it', () => {
    for (let s = 0; s < 20; s++) {
      const blob = randomBytes(1024, 100 + s);
      const twice = new Uint8Array(2048);
      twice.set(blob, 0);
      twice.set(blob, 1024);
      expect(entropyBits(twice)).toBeGreaterThan(7.5);
      expect(looksIncompressible(twice)).toBe(false);
      expect(compressBest(twice, [CodecId.Hlz1, D])!.bytes.length).toBeLessThan(1200);
    }
  });
});

describe('deflate ratio (issue 15: CAN moves 2 KiB chunks)', () => {
  const ratio = (img: Uint8Array, chunk: number, codecs: readonly CodecId[]): number => {
    let wire = 0;
    for (let o = 0; o < img.length; o += chunk) wire += compressBest(img.subarray(o, o + chunk), codecs)?.bytes.length ?? Math.min(chunk, img.length - o);
    return img.length / wire;
  };

  it('the bench image at 2 KiB: deflate beats hlz1, the smaller of both beats either, >= 1.65', () => {
    const img = firmwareImage(128 * 1024);
    const h = ratio(img, 2048, [CodecId.Hlz1]);
    const d = ratio(img, 2048, [D]);
    const both = ratio(img, 2048, [CodecId.Hlz1, D]);
    expect(d).toBeGreaterThan(h);
    expect(both).toBeGreaterThan(d);
    expect(both).toBeGreaterThanOrEqual(1.65);
    const hsx = Uint8Array.from(hsxFixtures().flatMap((f) => [...f.bytes]));
    expect(ratio(hsx, 1024, [CodecId.Hlz1, D])).toBeGreaterThanOrEqual(ratio(hsx, 1024, [CodecId.Hlz1]));
  });

  it('advertises a 2048-byte window and the uzlib-based decoder RAM (ring + state)', () => {
    expect(CODECS[D]).toEqual({ id: 2, name: 'deflate', windowBytes: 2048, decoderRamBytes: 2048 + 1604 });
  });
});
