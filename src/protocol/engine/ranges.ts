/**
 * A set of held byte ranges: sorted, disjoint, merged. Used by the target
 * (what it holds of a session) and by the reference file sink (persisted
 * beside the file). Size is bounded by the number of holes, which the
 * receive window bounds.
 */
import type { ByteRange } from '../messages-types.js';

export class RangeSet {
  private list: ByteRange[] = [];

  constructor(ranges: Iterable<ByteRange> = []) {
    for (const r of ranges) this.add(r.start, r.end);
  }

  /** Sorted, merged ranges (a copy). */
  get ranges(): ByteRange[] {
    return this.list.slice();
  }

  get count(): number {
    return this.list.length;
  }

  /** Total bytes held. */
  get total(): number {
    let n = 0;
    for (const r of this.list) n += r.end - r.start;
    return n;
  }

  /** The end of the range starting at 0, i.e. every byte below it is held (0 if byte 0 is not). */
  get prefix(): number {
    const first = this.list[0];
    return first !== undefined && first.start === 0 ? first.end : 0;
  }

  /** Add [start, end), merging with neighbours and overlaps. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const out: ByteRange[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.list) {
      if (r.end < s) out.push(r);
      else if (r.start > e) {
        if (!placed) {
          out.push({ start: s, end: e });
          placed = true;
        }
        out.push(r);
      } else {
        s = Math.min(s, r.start);
        e = Math.max(e, r.end);
      }
    }
    if (!placed) out.push({ start: s, end: e });
    this.list = out;
  }

  /** True if every byte of [start, end) is held. */
  has(start: number, end: number): boolean {
    for (const r of this.list) {
      if (r.start <= start && r.end >= end) return true;
      if (r.start > start) return false;
    }
    return false;
  }

  clear(): void {
    this.list = [];
  }
}
