/**
 * Fuzz target `frame`: decodeFrame (src/protocol/frame.ts) on random bytes,
 * on mutated valid encodings (CRC left broken or recomputed, so header checks
 * are reached), and on valid frames. Invariants: it never throws; an accepted
 * frame re-encodes to exactly its bytes and fits maxFrame; a valid frame
 * decodes to itself (decode(encode(x)) = x).
 */
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { FrameOff, MAX_FRAME_LIMIT, MIN_MAX_FRAME } from '../../src/protocol/constants.js';
import { decodeFrame, encodeFrame, frameSize, peekFrameSize } from '../../src/protocol/frame.js';
import type { Frame } from '../../src/protocol/types.js';
import { invariant, type FuzzTarget } from './harness.js';
import { applyMutations, equalBytes, mutations, type Field, type Mutation } from './mutate.js';

export const FRAME_FIELDS: readonly Field[] = [
  { at: FrameOff.magic, size: 2 },
  { at: FrameOff.version, size: 1 },
  { at: FrameOff.type, size: 1 },
  { at: FrameOff.length, size: 2 },
  { at: FrameOff.flags, size: 1 },
  { at: FrameOff.reserved, size: 1 },
  { at: FrameOff.session, size: 2 },
  { at: FrameOff.seq, size: 2 },
];

export const frameArb: fc.Arbitrary<Frame> = fc.record({
  type: fc.nat(0xff),
  flags: fc.constantFrom(0, 1),
  session: fc.nat(0xffff),
  seq: fc.nat(0xffff),
  payload: fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) }),
});

const maxFrameArb = fc.oneof(fc.constantFrom(MIN_MAX_FRAME, 4116, MAX_FRAME_LIMIT), fc.integer({ min: 0, max: MAX_FRAME_LIMIT + 16 }));

/** Recompute the trailing CRC-32 so a mutated frame gets past the CRC check. */
export function fixFrameCrc(b: Uint8Array): Uint8Array {
  if (b.length >= 4) new DataView(b.buffer, b.byteOffset, b.length).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)));
  return b;
}

type FrameCase =
  | { readonly kind: 'random'; readonly bytes: Uint8Array; readonly maxFrame: number }
  | { readonly kind: 'mutated'; readonly frame: Frame; readonly ms: Mutation[]; readonly fixCrc: boolean; readonly maxFrame: number }
  | { readonly kind: 'valid'; readonly frame: Frame };

const arbitrary: fc.Arbitrary<FrameCase> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 300 }), maxFrame: maxFrameArb }),
  fc.record({ kind: fc.constant('mutated' as const), frame: frameArb, ms: mutations(FRAME_FIELDS), fixCrc: fc.boolean(), maxFrame: maxFrameArb }),
  fc.record({ kind: fc.constant('mutated' as const), frame: frameArb, ms: mutations(FRAME_FIELDS), fixCrc: fc.constant(true), maxFrame: fc.constant(MAX_FRAME_LIMIT) }),
  fc.record({ kind: fc.constant('valid' as const), frame: frameArb }),
);

function check(bytes: Uint8Array, maxFrame: number): string | undefined {
  const r = decodeFrame(bytes, maxFrame);
  if (!r.ok) {
    invariant(r.detail.length > 0, `rejection ${r.fault} without a detail`);
    return r.fault;
  }
  invariant(bytes.length <= maxFrame, `accepted a ${bytes.length}-byte frame above maxFrame ${maxFrame}`);
  invariant(peekFrameSize(bytes) === bytes.length, `peekFrameSize disagrees with an accepted ${bytes.length}-byte frame`);
  invariant(equalBytes(encodeFrame(r.frame, maxFrame), bytes), 'an accepted frame does not re-encode to its bytes');
  return undefined;
}

export const frameTarget: FuzzTarget<FrameCase> = {
  name: 'frame',
  what: 'decodeFrame on random, mutated (CRC fixed or not) and valid frames; re-encode identity',
  neverThrows: true,
  arbitrary,
  run(c) {
    switch (c.kind) {
      case 'random':
        return check(c.bytes, c.maxFrame);
      case 'mutated': {
        const b = applyMutations(encodeFrame(c.frame), c.ms, FRAME_FIELDS);
        return check(c.fixCrc ? fixFrameCrc(b) : b, c.maxFrame);
      }
      case 'valid': {
        const bytes = encodeFrame(c.frame);
        invariant(bytes.length === frameSize(c.frame.payload.length), 'encoded size differs from frameSize');
        const r = decodeFrame(bytes);
        invariant(r.ok, `a valid frame was rejected: ${r.ok ? '' : r.detail}`);
        const f = r.frame;
        invariant(
          f.type === c.frame.type && f.flags === c.frame.flags && f.session === c.frame.session && f.seq === c.frame.seq && equalBytes(f.payload, c.frame.payload),
          'decode(encode(frame)) differs from the frame',
        );
        return undefined;
      }
    }
  },
};
