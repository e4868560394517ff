/**
 * Sorted, disjoint, merged half-open byte ranges [start, end): which parts of
 * an image are held. One implementation for every layer that tracks them (the
 * FRAM staging journal, the target's load session, the engine's receive
 * session and file sink); it depends on nothing, so any layer may import it.
 */

/** Half-open byte range [start, end). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** `ranges` plus [start, end), merged with overlapping and adjacent ranges. */
export function addRange(ranges: readonly ByteRange[], start: number, end: number): ByteRange[] {
  if (end <= start) return [...ranges];
  const out: ByteRange[] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const r of ranges) {
    if (r.end < s) out.push(r);
    else if (r.start > e) {
      if (!placed) out.push({ start: s, end: e });
      placed = true;
      out.push(r);
    } else {
      s = Math.min(s, r.start);
      e = Math.max(e, r.end);
    }
  }
  if (!placed) out.push({ start: s, end: e });
  return out;
}

/** The parts of [0, size) not covered by `ranges`. */
export function missingRanges(ranges: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = [];
  let pos = 0;
  for (const r of ranges) {
    if (r.start > pos) out.push({ start: pos, end: Math.min(r.start, size) });
    pos = Math.max(pos, r.end);
  }
  if (pos < size) out.push({ start: pos, end: size });
  return out;
}

/** Bytes covered by sorted, disjoint `ranges`. */
export function rangesTotal(ranges: readonly ByteRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.end - r.start;
  return n;
}

/**
 * A mutable set of held ranges (the target's receive session, the file sink).
 * Size is bounded by the number of holes, which the receive window bounds.
 */
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
    return rangesTotal(this.list);
  }

  /** The end of the range starting at 0, i.e. every byte below it is held (0 if byte 0 is not). */
  get prefix(): number {
    const first = this.list[0];
    return first !== undefined && first.start === 0 ? first.end : 0;
  }

  /** Add [start, end), merging with neighbours and overlaps. */
  add(start: number, end: number): void {
    this.list = addRange(this.list, start, end);
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
