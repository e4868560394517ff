import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../../src/fram/layout.js';
import { addRange, missingRanges } from '../../../src/util/ranges.js';

describe('layout', () => {
  it('32 KiB: fixed areas, 4 KiB value store, two 13056-byte slots', () => {
    const L = computeLayout(32 * 1024);
    expect(L.partitions.map((p) => [p.name, p.offset, p.length])).toEqual([
      ['superblock', 0x0000, 0x100],
      ['partition_table', 0x0100, 0x100],
      ['trust', 0x0200, 0x200],
      ['settings', 0x0400, 0x100],
      ['wear', 0x0500, 0x200],
      ['staging', 0x0700, 0x200],
      ['values', 0x0900, 0x1000],
      ['slot_a', 0x1900, 0x3300],
      ['slot_b', 0x4c00, 0x3300],
    ]);
    expect(L.slots[0].capacity).toBe(0x3300 - 128);
    expect(L.superblock).toEqual([0x0000, 0x0080]);
  });

  it('any size from 32 KiB up: contiguous, inside the device, value store 4-32 KiB, equal slots', () => {
    fc.assert(
      fc.property(fc.integer({ min: 32 * 1024, max: 8 * 1024 * 1024 }), (size) => {
        const L = computeLayout(size);
        let end = 0;
        for (const p of L.partitions) {
          expect(p.offset).toBe(end);
          end = p.offset + p.length;
        }
        expect(end).toBeLessThanOrEqual(size);
        const values = L.partitions.find((p) => p.name === 'values')!;
        expect(values.length).toBeGreaterThanOrEqual(4096);
        expect(values.length).toBeLessThanOrEqual(32768);
        // the value cells, then the audit ring, fill the values partition
        expect(L.values.offset).toBe(values.offset);
        expect(L.audit.offset).toBe(L.values.offset + L.values.length);
        expect(L.audit.offset + L.audit.length).toBe(values.offset + values.length);
        expect(L.slots[0].capacity).toBe(L.slots[1].capacity);
      }),
    );
    expect(computeLayout(1024 * 1024).slots[0].capacity).toBeGreaterThan(400 * 1024);
    expect(() => computeLayout(16 * 1024)).toThrow(expect.objectContaining({ code: 'fram_too_small' }));
  });

  it('held ranges: merging matches a byte bitmap', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.nat(40)), { maxLength: 30 }), (chunks) => {
        const size = 240;
        const bitmap = new Array<boolean>(size).fill(false);
        let ranges = addRange([], 0, 0);
        for (const [s, n] of chunks) {
          ranges = addRange(ranges, s, s + n);
          for (let i = s; i < s + n; i++) bitmap[i] = true;
        }
        const fromRanges = new Array<boolean>(size).fill(false);
        for (const r of ranges) for (let i = r.start; i < r.end; i++) fromRanges[i] = true;
        expect(fromRanges).toEqual(bitmap);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).toBeGreaterThan(ranges[i - 1]!.end);
        const missing = missingRanges(ranges, size).reduce((a, r) => a + r.end - r.start, 0);
        expect(missing).toBe(bitmap.filter((b) => !b).length);
      }),
    );
  });
});
