/**
 * compressChunk/decompressChunk round trips (fast-check) on arbitrary,
 * highly repetitive and firmware-like chunks; random data is never sent
 * compressed; firmware-like images reach the ratio issue 15 needs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, compressChunk, decompressChunk } from '../../../src/codec/index.js';
import { firmwareLike, hsxFixtures, randomBytes } from './firmware-like.js';

/** Chunks of runs, repeated phrases and noise: the shapes where match bookkeeping goes wrong. */
const repetitive: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 600 }), fc.nat(255)).map(([n, v]) => new Uint8Array(n).fill(v)),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 80 })).map(([u, k]) => {
        const out = new Uint8Array(u.length * k);
        for (let i = 0; i < k; i++) out.set(u, i * u.length);
        return out;
      }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ minLength: 1, maxLength: 3 }).chain((u) => fc.array(fc.constantFrom(...u), { maxLength: 300 }).map((a) => Uint8Array.from(a))),
    ),
    { maxLength: 20 },
  )
  .map((parts) => {
    const all = Uint8Array.from(parts.flatMap((p) => [...p]));
    return all.subarray(0, 8192);
  });

function roundTrip(x: Uint8Array): void {
  const c = compressChunk(x);
  if (c === undefined) return;
  expect(c.length).toBeLessThan(x.length);
  expect(decompressChunk(c, x.length)).toEqual(x);
}

describe('hlz1 round trip', () => {
  it('decompress(compress(x)) = x for arbitrary chunks', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), roundTrip), { numRuns: 300 });
  });

  it('decompress(compress(x)) = x for highly repetitive chunks (and they do compress)', () => {
    let compressed = 0;
    fc.assert(
      fc.property(repetitive, (x) => {
        roundTrip(x);
        if (compressChunk(x) !== undefined) compressed++;
      }),
      { numRuns: 300 },
    );
    expect(compressed).toBeGreaterThan(150);
  });

  it('round-trips long runs past the window and the length code limits (64 KiB - 1 chunk)', () => {
    const x = new Uint8Array(0xffff).fill(0xff);
    x.set(randomBytes(3000, 5), 30000);
    roundTrip(x);
    expect(compressChunk(x)!.length).toBeLessThan(3500);
  });

  it('round-trips every firmware-like chunk of 256..4096 bytes', () => {
    const img = firmwareLike(64 * 1024, 2);
    for (const chunk of [256, 1000, 4096]) for (let o = 0; o < img.length; o += chunk) roundTrip(img.subarray(o, o + chunk));
  });

  it('is deterministic: a chunk compresses to the same bytes whatever was compressed before (a repeat matches the original)', () => {
    const img = firmwareLike(16 * 1024, 6);
    const a = img.subarray(4096, 8192);
    const first = compressChunk(a);
    for (let o = 0; o < img.length; o += 1024) compressChunk(img.subarray(o, o + 1024));
    compressChunk(new Uint8Array(0xffff));
    expect(compressChunk(a)).toEqual(first);
  });

  it('random data is never sent compressed', () => {
    for (const n of [1, 2, 16, 256, 1024, 4096]) expect(compressChunk(randomBytes(n, n))).toBeUndefined();
  });

  it('refuses a chunk above 65535 bytes, and an unknown codec, with typed errors', () => {
    expect(() => compressChunk(new Uint8Array(0x10000))).toThrow(expect.objectContaining({ code: 'codec_bad_length' }) as Error);
    expect(() => compressChunk(new Uint8Array(10), 7 as never)).toThrow(CodecError);
    expect(() => decompressChunk(new Uint8Array(10), 10, 9 as never)).toThrow(expect.objectContaining({ code: 'codec_unknown' }) as Error);
  });
});

/** Image size over the bytes sent when each chunk goes compressed only if smaller. */
function ratio(img: Uint8Array, chunk: number): number {
  let wire = 0;
  for (let o = 0; o < img.length; o += chunk) wire += compressChunk(img.subarray(o, o + chunk))?.length ?? Math.min(chunk, img.length - o);
  return img.length / wire;
}

describe('hlz1 ratio (issue 15: >= 1.5x the line rate on firmware-like images)', () => {
  it('firmware-like 128 KiB image: >= 1.6 per chunk of 1..4 KiB, >= 1.5 per 256-byte CAN chunk', () => {
    const img = firmwareLike(128 * 1024);
    expect(ratio(img, 256)).toBeGreaterThanOrEqual(1.5);
    for (const chunk of [1024, 2048, 4096]) expect(ratio(img, chunk)).toBeGreaterThanOrEqual(1.6);
  });

  it('the HSX fixtures, concatenated, compress by >= 1.6 per 1 KiB chunk; random data costs nothing extra', () => {
    const hsx = Uint8Array.from(hsxFixtures().flatMap((f) => [...f.bytes]));
    expect(ratio(hsx, 1024)).toBeGreaterThanOrEqual(1.6);
    expect(ratio(randomBytes(16384, 9), 1024)).toBe(1);
  });
});

describe('hlz1 encoder work is bounded', () => {
  it('64 KiB chunks built to make long hash chains (2 and 4 symbols, runs, short periods) each compress in well under 3 s', () => {
    const r = randomBytes(0xffff, 21);
    const inputs = [
      r.map((b) => b & 1),
      r.map((b) => b & 3),
      new Uint8Array(0xffff),
      Uint8Array.from({ length: 0xffff }, (_, i) => i & 1),
      Uint8Array.from({ length: 0xffff }, (_, i) => (i % 2049) & 0xff),
    ];
    for (const x of inputs) {
      const t0 = performance.now();
      const c = compressChunk(x);
      expect(performance.now() - t0).toBeLessThan(3000);
      if (c !== undefined) expect(decompressChunk(c, x.length)).toEqual(x);
    }
  });
});
