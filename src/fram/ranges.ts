/** Sorted, disjoint, half-open byte ranges [start, end): which parts of a staged image are held. */

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
