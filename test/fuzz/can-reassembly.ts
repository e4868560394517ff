/**
 * Fuzz target `can`: CanReassembler (src/protocol/can-reassembler.ts) fed
 * segment streams the way the CAN channel feeds it (parity frames to
 * pushParity, this node's segments to push): real frames segmented by
 * segmentFrame (classic or FD, 11- or 29-bit, parity groups 0/4/8/16), then
 * segments dropped, duplicated, swapped, corrupted, cut, and noise segments
 * and forged frame starts (magic with extreme lengths) inserted; and purely
 * random segment streams. Invariants: never throws; `buffered` never above
 * maxFrame; a completed frame is as long as its start announced and at most
 * maxFrame; an unmutated stream gives back exactly the frames sent.
 */
import fc from 'fast-check';
import { decodeCanId, type CanDirection } from '../../src/protocol/can-id.js';
import { decodeParityFrame, parityId, PARITY_GROUP_SIZES } from '../../src/protocol/can-parity.js';
import { CanReassembler } from '../../src/protocol/can-reassembler.js';
import { segmentFrame } from '../../src/protocol/can-segment.js';
import { CAN_EXT_INDEX_MOD, CAN_STD_INDEX_MOD, MAX_FRAME_LIMIT } from '../../src/protocol/constants.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import type { CanIdFormat } from '../../src/transports/types.js';
import type { CanFrame } from '../../src/transports/types.js';
import { newCounters } from '../../src/protocol/channel-core.js';
import { frameArb } from './frame.js';
import { invariant, type FuzzTarget } from './harness.js';
import { equalBytes } from './mutate.js';

const NODE = 5;
const DIR: CanDirection = 'toHost';

type StreamOp =
  | { readonly op: 'drop' | 'duplicate' | 'swap' | 'cut'; readonly at: number; readonly n: number }
  | { readonly op: 'corrupt'; readonly at: number; readonly byte: number; readonly value: number }
  | { readonly op: 'noise'; readonly at: number; readonly index: number; readonly data: Uint8Array }
  | { readonly op: 'start'; readonly at: number; readonly length: number }
  | { readonly op: 'parity'; readonly at: number; readonly k: number; readonly group: number; readonly data: Uint8Array };

const streamOp: fc.Arbitrary<StreamOp> = fc.oneof(
  fc.record({ op: fc.constantFrom('drop' as const, 'duplicate' as const, 'swap' as const, 'cut' as const), at: fc.nat(), n: fc.nat(64) }),
  fc.record({ op: fc.constant('corrupt' as const), at: fc.nat(), byte: fc.nat(63), value: fc.nat(255) }),
  fc.record({ op: fc.constant('noise' as const), at: fc.nat(), index: fc.nat(CAN_EXT_INDEX_MOD - 1), data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ op: fc.constant('start' as const), at: fc.nat(), length: fc.oneof(fc.constantFrom(0, 1, 0xfffe, 0xffff), fc.nat(0xffff)) }),
  fc.record({ op: fc.constant('parity' as const), at: fc.nat(), k: fc.constantFrom(...PARITY_GROUP_SIZES), group: fc.nat(0xfff), data: fc.uint8Array({ maxLength: 64 }) }),
);

type CanCase = {
  readonly frames: { type: number; flags: number; session: number; seq: number; payload: Uint8Array }[];
  readonly fd: boolean;
  readonly idFormat: CanIdFormat;
  readonly parity: number;
  readonly maxFrame: number;
  readonly ops: readonly StreamOp[];
  /** Purely random segments (index, data) appended after the real stream. */
  readonly random: readonly { index: number; data: Uint8Array }[];
};

const arbitrary: fc.Arbitrary<CanCase> = fc.record({
  frames: fc.array(frameArb, { minLength: 1, maxLength: 3 }),
  fd: fc.boolean(),
  idFormat: fc.constantFrom('std' as const, 'ext' as const),
  parity: fc.constantFrom(0, 0, 4, 8, 16),
  maxFrame: fc.oneof(fc.constant(MAX_FRAME_LIMIT), fc.constant(4116), fc.integer({ min: 16, max: 600 })),
  ops: fc.oneof(fc.constant([]), fc.array(streamOp, { minLength: 1, maxLength: 6 })),
  random: fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ index: fc.nat(CAN_EXT_INDEX_MOD - 1), data: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 40 }) },
  ),
});

function startSegment(length: number): Uint8Array {
  return Uint8Array.of(0x48, 0x42, 0x01, 0x06, length >> 8, length & 0xff, 0, 0);
}

function applyOps(stream: CanFrame[], c: CanCase): CanFrame[] {
  const s = stream.slice();
  const id = (index: number): number => (c.idFormat === 'std' ? (NODE << 5) | (index % CAN_STD_INDEX_MOD) : ((0x1b << 24) | (NODE << 15) | (index % CAN_EXT_INDEX_MOD)) >>> 0);
  const ext = c.idFormat === 'ext';
  for (const o of c.ops) {
    const at = o.at % (s.length + 1);
    switch (o.op) {
      case 'drop':
        s.splice(at, 1 + (o.n % 3));
        break;
      case 'duplicate':
        if (s[at]) s.splice(at, 0, s[at]);
        break;
      case 'swap': {
        const a = s[at];
        const b = s[at + 1];
        if (a && b) [s[at], s[at + 1]] = [b, a];
        break;
      }
      case 'cut': {
        const f = s[at];
        if (f) s[at] = { ...f, data: f.data.slice(0, o.n % (f.data.length + 1)) };
        break;
      }
      case 'corrupt': {
        const f = s[at];
        if (f && f.data.length > 0) {
          const data = f.data.slice();
          data[o.byte % data.length] = o.value;
          s[at] = { ...f, data };
        }
        break;
      }
      case 'noise':
        s.splice(at, 0, { id: id(o.index), extended: ext, fd: c.fd, data: o.data.slice(0, c.fd ? 64 : 8) });
        break;
      case 'start':
        s.splice(at, 0, { id: id(0), extended: ext, fd: c.fd, data: startSegment(o.length) });
        break;
      case 'parity':
        s.splice(at, 0, { id: parityId(DIR, NODE, o.k, o.group), extended: true, fd: c.fd, data: o.data.slice(0, c.fd ? 64 : 8) });
        break;
    }
  }
  for (const r of c.random) s.push({ id: id(r.index), extended: ext, fd: c.fd, data: r.data.slice(0, c.fd ? 64 : 8) });
  return s;
}

export const canTarget: FuzzTarget<CanCase> = {
  name: 'can',
  what: 'CanReassembler on segmented frames (parity, FD, 11/29-bit) with drops, duplicates, swaps, noise, forged starts; random segment streams',
  neverThrows: true,
  arbitrary,
  run(c) {
    const encoded = c.frames.map((f) => encodeFrame(f));
    const stream = encoded.flatMap((bytes) => segmentFrame(bytes, { fd: c.fd, idFormat: c.idFormat, node: NODE, direction: DIR, parity: c.parity }));
    const counters = newCounters();
    const r = new CanReassembler(c.maxFrame, c.idFormat === 'std' ? CAN_STD_INDEX_MOD : CAN_EXT_INDEX_MOD, counters);
    const out: Uint8Array[] = [];
    for (const f of applyOps(stream, c)) {
      const p = decodeParityFrame(f);
      let done: Uint8Array | undefined;
      if (p !== undefined) {
        if (p.kind === 'parity' && p.node === NODE && p.direction === DIR) done = r.pushParity(p.k, p.group, f.data);
      } else {
        const a = decodeCanId(f.extended ? 'ext' : 'std', f.id);
        if (a !== undefined && a.node === NODE && a.direction === DIR) done = r.push(a.index, f.data);
      }
      invariant(r.buffered <= c.maxFrame, `reassembler holds ${r.buffered} bytes, above maxFrame ${c.maxFrame}`);
      if (done !== undefined) {
        invariant(done.length <= c.maxFrame, `completed a ${done.length}-byte frame above maxFrame ${c.maxFrame}`);
        invariant(done.length >= 6 && ((done[4]! << 8) | done[5]!) + 16 === done.length, `completed frame of ${done.length} bytes is not as long as its start announced`);
        out.push(done);
      }
    }
    const unmutated = c.ops.length === 0 && c.random.length === 0;
    if (unmutated && encoded.every((e) => e.length <= c.maxFrame)) {
      invariant(out.length === encoded.length && out.every((o, i) => equalBytes(o, encoded[i]!)), `an unmutated stream of ${encoded.length} frames came back as ${out.length} different frames`);
    }
    if (counters.oversize > 0) return 'oversize';
    if (counters.malformed > 0) return 'malformed';
    if (counters.segmentErrors > 0) return 'segmentErrors';
    const intact = out.length === encoded.length && out.every((o, i) => equalBytes(o, encoded[i]!));
    return intact ? undefined : 'incomplete';
  },
};
