import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAck, readAck } from '../../../../src/protocol/engine/ack-map.js';
import { RangeSet } from '../../../../src/util/ranges.js';

describe('ACK cumulative offset + bitmap', () => {
  it('encodes held chunks beyond the cumulative point, MSB first, without trailing zero bytes', () => {
    const held = new RangeSet([{ start: 0, end: 200 }, { start: 300, end: 400 }, { start: 1100, end: 1200 }]);
    const ack = buildAck(held, 100, 2000, 64);
    expect(ack.cumulative).toBe(200);
    // chunk 2 missing; bit i = chunk 3 + i: chunk 3 -> bit 0, chunk 11 -> bit 8
    expect([...ack.bitmap]).toEqual([0x80, 0x80]);
    expect(readAck(ack, 100, 2000)).toEqual({ cumChunks: 2, extra: [3, 11] });
  });

  it('the cumulative offset of a complete image is its size', () => {
    const ack = buildAck(new RangeSet([{ start: 0, end: 250 }]), 100, 250, 8);
    expect(ack).toEqual({ kind: 'ack', cumulative: 250, bitmap: new Uint8Array(0) });
    expect(readAck(ack, 100, 250)).toEqual({ cumChunks: 3, extra: [] });
  });

  it('readAck(buildAck(held)) reports exactly the held chunks within the window', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 })), (chunks) => {
        const size = 41 * 64 - 10;
        const held = new RangeSet();
        for (const i of chunks) held.add(i * 64, Math.min(size, (i + 1) * 64));
        const r = readAck(buildAck(held, 64, size, 64), 64, size)!;
        const reported = new Set([...Array.from({ length: r.cumChunks }, (_, i) => i), ...r.extra]);
        expect([...reported].sort((a, b) => a - b)).toEqual([...chunks].sort((a, b) => a - b));
      }),
    );
  });
});

describe('RangeSet', () => {
  it('merges overlapping and adjacent ranges and answers has/prefix/total', () => {
    const s = new RangeSet();
    s.add(10, 20);
    s.add(30, 40);
    s.add(20, 30);
    s.add(0, 5);
    expect(s.ranges).toEqual([{ start: 0, end: 5 }, { start: 10, end: 40 }]);
    expect(s.total).toBe(35);
    expect(s.prefix).toBe(5);
    expect(s.has(12, 40)).toBe(true);
    expect(s.has(4, 11)).toBe(false);
  });

  it('agrees with a naive bitmap for any sequence of adds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 20 }))), (adds) => {
        const s = new RangeSet();
        const bits = new Uint8Array(130);
        for (const [a, n] of adds) {
          s.add(a, a + n);
          bits.fill(1, a, a + n);
        }
        expect(s.total).toBe(bits.reduce((x, b) => x + b, 0));
        for (const r of s.ranges) expect(bits.subarray(r.start, r.end).every((b) => b === 1)).toBe(true);
      }),
    );
  });
});
