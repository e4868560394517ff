/**
 * Fuzz target `cobs`: cobsDecode (src/protocol/cobs.ts) on random runs,
 * mutated encodings and valid data (decode(encode(x)) = x, no 0x00 in an
 * encoding, encoded size within cobsMaxEncodedSize); and CobsSplitter
 * (src/protocol/cobs-stream.ts) on streams of COBS units with garbage,
 * long zero-free runs (beyond its buffer) and mutations, cut into random
 * chunks. Invariants: never throws; `buffered` never above `capacity`; a
 * decoded run is shorter than the capacity; an unmutated stream gives back
 * exactly the frames sent.
 */
import fc from 'fast-check';
import { cobsDecode, cobsEncode, cobsMaxEncodedSize } from '../../src/protocol/cobs.js';
import { CobsSplitter, encodeCobsUnit } from '../../src/protocol/cobs-stream.js';
import { invariant, type FuzzTarget } from './harness.js';
import { applyMutations, chunk, chunkSizes, equalBytes, mutations, type Mutation } from './mutate.js';

/** Data with many zeros, none, or 254-byte runs: the edges of the code bytes. */
const data: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })), { maxLength: 600 }).map((a) => Uint8Array.from(a)),
  fc.tuple(fc.integer({ min: 250, max: 520 }), fc.nat(255)).map(([n, v]) => new Uint8Array(n).fill(v === 0 ? 1 : v)),
);

type CobsCase =
  | { readonly kind: 'random'; readonly run: Uint8Array }
  | { readonly kind: 'mutated'; readonly data: Uint8Array; readonly ms: Mutation[] }
  | { readonly kind: 'valid'; readonly data: Uint8Array }
  | {
      readonly kind: 'stream';
      readonly frames: Uint8Array[];
      readonly maxFrame: number;
      readonly ms: readonly Mutation[];
      readonly garbage: number;
      readonly sizes: readonly number[];
      readonly lead: boolean;
    };

const arbitrary: fc.Arbitrary<CobsCase> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), run: fc.uint8Array({ maxLength: 600 }) }),
  fc.record({ kind: fc.constant('mutated' as const), data, ms: mutations() }),
  fc.record({ kind: fc.constant('valid' as const), data }),
  fc.record({
    kind: fc.constant('stream' as const),
    frames: fc.array(data, { minLength: 1, maxLength: 4 }),
    maxFrame: fc.oneof(fc.constant(600), fc.integer({ min: 0, max: 700 })),
    ms: fc.oneof(fc.constant([]), mutations()),
    garbage: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 })),
    sizes: chunkSizes,
    lead: fc.boolean(),
  }),
);

function decodeChecked(run: Uint8Array): string | undefined {
  const out = cobsDecode(run);
  if (out === undefined) return 'cobs_invalid';
  invariant(out.length < run.length, `a ${run.length}-byte run decoded to ${out.length} bytes`);
  const again = cobsEncode(out);
  invariant(cobsDecode(again) !== undefined && equalBytes(cobsDecode(again)!, out), 'decode(encode(decoded)) differs');
  return undefined;
}

function stream(c: Extract<CobsCase, { kind: 'stream' }>): string | undefined {
  const units = c.frames.map((f, i) => encodeCobsUnit(f, c.lead && i === 0));
  const all = Buffer.concat([...units, new Uint8Array(c.garbage).fill(0x55)]);
  const bytes = c.ms.length > 0 ? applyMutations(all, c.ms) : all;
  const s = new CobsSplitter(c.maxFrame);
  invariant(s.capacity === cobsMaxEncodedSize(c.maxFrame), 'splitter capacity differs from cobsMaxEncodedSize(maxFrame)');
  const got: Uint8Array[] = [];
  const kinds = new Set<string>();
  for (const piece of chunk(bytes, c.sizes)) {
    for (const run of s.push(piece)) {
      kinds.add(run.kind);
      if (run.kind === 'frame') {
        invariant(run.bytes.length < s.capacity, `decoded run of ${run.bytes.length} bytes from a buffer of ${s.capacity}`);
        got.push(run.bytes);
      } else {
        invariant(run.garbageBytes > 0, `${run.kind} run reported with ${run.garbageBytes} bytes`);
      }
    }
    invariant(s.buffered <= s.capacity, `splitter holds ${s.buffered} bytes, above its capacity ${s.capacity}`);
  }
  const fits = c.frames.every((f) => cobsMaxEncodedSize(f.length) <= s.capacity);
  if (c.ms.length === 0 && fits) {
    invariant(got.length === c.frames.length && got.every((g, i) => equalBytes(g, c.frames[i]!)), `an unmutated stream of ${c.frames.length} frames came back as ${got.length}`);
  }
  if (kinds.has('oversize')) return 'oversize';
  if (kinds.has('malformed')) return 'malformed';
  return undefined;
}

export const cobsTarget: FuzzTarget<CobsCase> = {
  name: 'cobs',
  what: 'cobsDecode on random/mutated/valid runs (round trip); CobsSplitter on chunked unit streams with garbage and overlong runs',
  neverThrows: true,
  arbitrary,
  run(c) {
    switch (c.kind) {
      case 'random':
        return decodeChecked(c.run);
      case 'mutated':
        return decodeChecked(applyMutations(cobsEncode(c.data), c.ms));
      case 'valid': {
        const enc = cobsEncode(c.data);
        invariant(enc.length <= cobsMaxEncodedSize(c.data.length), `encoding of ${enc.length} bytes above cobsMaxEncodedSize`);
        invariant(!enc.includes(0), 'an encoding contains 0x00');
        const dec = cobsDecode(enc);
        invariant(dec !== undefined && equalBytes(dec, c.data), 'decode(encode(x)) differs from x');
        return undefined;
      }
      case 'stream':
        return stream(c);
    }
  },
};
