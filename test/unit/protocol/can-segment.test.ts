import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canIndexModulus, decodeCanId } from '../../../src/protocol/can-id.js';
import type { CanIdFormat } from '../../../src/protocol/can-id.js';
import { CanReassembler } from '../../../src/protocol/can-reassembler.js';
import { fdPaddedLength, segmentCount, segmentFrame } from '../../../src/protocol/can-segment.js';
import { encodeFrame } from '../../../src/protocol/frame.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** A 100-byte encoded frame (84-byte payload). */
const FRAME100 = encodeFrame({ type: 0x10, flags: 0, session: 1, seq: 2, payload: Uint8Array.from({ length: 84 }, (_, i) => i) });

describe('segmentFrame', () => {
  it('cuts a 100-byte frame into 13 classic segments with consecutive 11-bit ids', () => {
    const segs = segmentFrame(FRAME100, { fd: false, idFormat: 'std', node: 5, direction: 'toTarget' });
    expect(segs.map((s) => s.id)).toEqual(Array.from({ length: 13 }, (_, i) => 0x4a0 + i));
    expect(segs.map((s) => s.data.length)).toEqual([...new Array<number>(12).fill(8), 4]);
    expect(segs.every((s) => !s.extended && !s.fd)).toBe(true);
    expect(toHex(Buffer.concat(segs.map((s) => s.data)))).toBe(toHex(FRAME100));
  });

  it('cuts a 100-byte frame into 2 FD segments, the last padded to 48 with 0xCC', () => {
    const segs = segmentFrame(FRAME100, { fd: true, idFormat: 'ext', node: 200, direction: 'toHost' });
    expect(segs.map((s) => s.id)).toEqual([0x1b640000, 0x1b640001]);
    expect(segs.map((s) => s.data.length)).toEqual([64, 48]);
    expect(segs.every((s) => s.extended && s.fd)).toBe(true);
    expect(toHex(segs[1]!.data.subarray(0, 36))).toBe(toHex(FRAME100.subarray(64)));
    expect(Array.from(segs[1]!.data.subarray(36))).toEqual(new Array<number>(12).fill(0xcc));
  });

  it('pads to the valid FD lengths', () => {
    expect([8, 9, 12, 13, 17, 21, 25, 33, 49, 64].map(fdPaddedLength)).toEqual([8, 12, 12, 16, 20, 24, 32, 48, 64, 64]);
    expect(segmentCount(100, false)).toBe(13);
    expect(segmentCount(100, true)).toBe(2);
  });
});

/** Feed CAN frames for one node/direction into a reassembler; returns completed frames and counters. */
function reassemble(format: CanIdFormat, data: { id: number; data: Uint8Array }[], maxFrame = 4096) {
  const counters = { segmentErrors: 0, oversize: 0, malformed: 0 };
  const r = new CanReassembler(maxFrame, canIndexModulus(format), counters);
  const out: string[] = [];
  for (const s of data) {
    const a = decodeCanId(format, s.id);
    if (!a || a.node !== 5 || a.direction !== 'toTarget') continue;
    const f = r.push(a.index, s.data);
    if (f) out.push(toHex(f));
    expect(r.buffered).toBeLessThanOrEqual(maxFrame);
  }
  return { out, counters };
}

describe('CanReassembler', () => {
  const opts = { fd: false, idFormat: 'std', node: 5, direction: 'toTarget' } as const;
  const segs = segmentFrame(FRAME100, opts);
  const again = segmentFrame(FRAME100, opts);

  it('reassembles the frame', () => {
    expect(reassemble('std', segs)).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 0, oversize: 0, malformed: 0 } });
  });

  it('drops a frame with a lost segment and resynchronises at the next index 0', () => {
    const lost = segs.filter((_, i) => i !== 4);
    expect(reassemble('std', [...lost, ...again])).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
  });

  it('ignores a duplicated segment, and a stray one on a middle index (noise on this identifier): the frame completes', () => {
    const dup = [...segs.slice(0, 5), segs[4]!, ...segs.slice(5)];
    expect(reassemble('std', dup)).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
    // 0x4A9 = node 5, toTarget, index 9: cangen's random frames land on it now and then
    const stray = { id: 0x4a9, data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) };
    const noisy = [...segs.slice(0, 3), stray, ...segs.slice(3, 6), stray, stray, ...segs.slice(6)];
    expect(reassemble('std', noisy)).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
  });

  it('never completes a frame with reordered segments; the next frame start replaces it, counted once', () => {
    const swapped = [...segs.slice(0, 3), segs[4]!, segs[3]!, ...segs.slice(5)];
    expect(reassemble('std', swapped)).toEqual({ out: [], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
    expect(reassemble('std', [...swapped, ...again])).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
  });

  it('drops a partial frame when a new index 0 arrives, and counts a headless tail once', () => {
    expect(reassemble('std', [...segs.slice(0, 6), ...again]).counters.segmentErrors).toBe(1);
    expect(reassemble('std', [...segs.slice(6), ...again])).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
  });

  it('takes a stray index 0 that cannot start a frame as noise: the frame in progress completes', () => {
    // 0x4A0 = node 5, toTarget, index 0: another device (or cangen) writing on this node's first-segment id
    const noMagic = { id: 0x4a0, data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4) };
    const tooLong = { id: 0x4a0, data: Uint8Array.from([...segs[0]!.data.subarray(0, 4), 0xff, 0xff, 0, 0]) }; // the magic, length 65535
    const noisy = [...segs.slice(0, 3), noMagic, ...segs.slice(3, 7), tooLong, ...segs.slice(7)];
    expect(reassemble('std', noisy)).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 0, oversize: 1, malformed: 1 } });
    // with nothing in progress it is dropped too, and the real frame after it arrives whole
    expect(reassemble('std', [noMagic, ...segs])).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 0, oversize: 0, malformed: 1 } });
  });

  it('ignores interleaved traffic from another node', () => {
    const other = segmentFrame(FRAME100, { ...opts, node: 6 });
    const mixed = segs.flatMap((s, i) => [s, other[i]!, { id: 0x123, data: Uint8Array.of(1, 2, 3) }]);
    expect(reassemble('std', mixed)).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 0, oversize: 0, malformed: 0 } });
  });

  it('follows the index through its wrap on 11-bit ids (a frame of more than 32 segments)', () => {
    const big = encodeFrame({ type: 0x10, flags: 0, session: 1, seq: 3, payload: new Uint8Array(400).fill(0x5a) });
    const bs = segmentFrame(big, opts);
    expect(bs).toHaveLength(52);
    expect(bs[32]!.id).toBe(0x4a0);
    expect(reassemble('std', bs).out).toEqual([toHex(big)]);
    // losing the wrapped index 0 (segment 32) is a gap, not a new frame
    expect(reassemble('std', bs.filter((_, i) => i !== 32))).toEqual({ out: [], counters: { segmentErrors: 1, oversize: 0, malformed: 0 } });
    // a lost segment before the wrap: the frame waits for its index, which comes back 32 segments later with
    // the wrong bytes; it never completes here (and would fail its CRC-32 if it did); the next frame replaces it
    expect(reassemble('std', [...bs.filter((_, i) => i !== 5), ...again])).toEqual({ out: [toHex(FRAME100)], counters: { segmentErrors: 1, oversize: 0, malformed: 1 } });
  });

  it('drops a frame above maxFrame without buffering it, and a bad first segment as malformed', () => {
    const r = reassemble('std', [...segs, ...segmentFrame(encodeFrame({ type: 1, flags: 0, session: 0, seq: 0, payload: new Uint8Array(4) }), opts)], 64);
    expect(r.counters).toEqual({ segmentErrors: 0, oversize: 1, malformed: 0 });
    expect(r.out).toHaveLength(1);
    expect(reassemble('std', [{ id: 0x4a0, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }]).counters.malformed).toBe(1);
  });

  it.each([
    ['std', false],
    ['std', true],
    ['ext', false],
    ['ext', true],
  ] as const)('round-trips any frames (%s, fd=%s)', (idFormat, fd) => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 250, maxLength: 700 })), { minLength: 1, maxLength: 4 }), (payloads) => {
        const frames = payloads.map((payload, seq) => encodeFrame({ type: 0x10, flags: 0, session: 1, seq, payload }));
        const units = frames.flatMap((f) => segmentFrame(f, { fd, idFormat, node: 5, direction: 'toTarget' }));
        expect(reassemble(idFormat, units).out).toEqual(frames.map(toHex));
      }),
      { numRuns: 50 },
    );
  });

  it('never throws and never buffers beyond maxFrame on random segments', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ index: fc.integer({ min: 0, max: 31 }), data: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 200 }),
        fc.boolean(),
        (segsIn, seeded) => {
          const counters = { segmentErrors: 0, oversize: 0, malformed: 0 };
          const r = new CanReassembler(128, 32, counters);
          if (seeded) r.push(0, FRAME100.subarray(0, 8));
          for (const s of segsIn) {
            const f = r.push(s.index, s.data);
            if (f) expect(f.length).toBeLessThanOrEqual(128);
            expect(r.buffered).toBeLessThanOrEqual(128);
          }
        },
      ),
    );
  });
});
