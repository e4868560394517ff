/**
 * Fuzz target `codec`: decompressChunk (src/codec, hlz1 and deflate) on random bytes,
 * on mutated valid compressed chunks (so tokens deep inside are reached),
 * and on valid chunks (firmware-like slices, runs, random). Invariants: a
 * refusal is a CodecError (typed, counted by code); an accepted chunk is
 * exactly the expected length; compress gives strictly fewer bytes or
 * nothing, and decompress(compress(x)) = x; every case within the time bound.
 */
import fc from 'fast-check';
import { CodecId, compressChunk, decompressChunk } from '../../src/codec/index.js';
import { firmwareLike } from '../unit/codec/firmware-like.js';
import { invariant, type FuzzTarget } from './harness.js';
import { applyMutations, equalBytes, mutations, type Mutation } from './mutate.js';

const FIRMWARE = firmwareLike(64 * 1024, 11);

/** Chunks worth compressing: firmware-like slices, runs, short repeated phrases, random. */
const chunkArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.nat(FIRMWARE.length - 1), fc.integer({ min: 1, max: 4096 })).map(([at, n]) => FIRMWARE.slice(at, at + n)),
  fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.nat(255)).map(([n, v]) => new Uint8Array(n).fill(v)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 300 })).map(([u, k]) => Uint8Array.from({ length: u.length * k }, (_, i) => u[i % u.length]!)),
  fc.uint8Array({ maxLength: 1024 }),
);

const expectedArb = fc.oneof(fc.constantFrom(0, 1, 256, 1024, 4096, 0xffff), fc.nat(8192));

type Compressed = typeof CodecId.Hlz1 | typeof CodecId.Deflate;
type CodecCase =
  | { readonly kind: 'random'; readonly codec: Compressed; readonly bytes: Uint8Array; readonly expected: number }
  | { readonly kind: 'mutated'; readonly codec: Compressed; readonly data: Uint8Array; readonly ms: Mutation[]; readonly delta: number }
  | { readonly kind: 'valid'; readonly codec: Compressed; readonly data: Uint8Array };

const codecArb = fc.constantFrom<Compressed>(CodecId.Hlz1, CodecId.Deflate);

const arbitrary: fc.Arbitrary<CodecCase> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), codec: codecArb, bytes: fc.uint8Array({ maxLength: 2048 }), expected: expectedArb }),
  fc.record({ kind: fc.constant('mutated' as const), codec: codecArb, data: chunkArb, ms: mutations(), delta: fc.oneof(fc.constant(0), fc.integer({ min: -4, max: 4 })) }),
  fc.record({ kind: fc.constant('valid' as const), codec: codecArb, data: chunkArb }),
);

function decode(bytes: Uint8Array, expected: number, codec: Compressed): undefined {
  const out = decompressChunk(bytes, expected, codec);
  invariant(out.length === expected, `accepted a chunk of ${out.length} bytes where ${expected} were expected`);
  return undefined;
}

export const codecTarget: FuzzTarget<CodecCase> = {
  name: 'codec',
  what: 'decompressChunk (hlz1, deflate) on random/mutated compressed chunks (exact length or CodecError); compress/decompress round trip',
  neverThrows: false,
  arbitrary,
  run(c) {
    switch (c.kind) {
      case 'random':
        return decode(c.bytes, c.expected, c.codec);
      case 'mutated': {
        const packed = compressChunk(c.data, c.codec) ?? c.data;
        return decode(applyMutations(packed, c.ms), Math.max(0, c.data.length + c.delta), c.codec);
      }
      case 'valid': {
        const packed = compressChunk(c.data, c.codec);
        if (packed === undefined) return undefined;
        invariant(packed.length < c.data.length, `compressed ${c.data.length} bytes to ${packed.length}, not fewer`);
        invariant(equalBytes(decompressChunk(packed, c.data.length, c.codec), c.data), 'decompress(compress(x)) differs from x');
        return undefined;
      }
    }
  },
};
