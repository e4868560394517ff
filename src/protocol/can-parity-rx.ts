/**
 * The receiving side of segment parity (docs/protocol.md section 5.5) for
 * one coded frame: which group is being received, the XOR of what arrived of
 * it, and the one segment of it that is missing. Pure bookkeeping; the
 * reassembler owns the frame buffer and tells this where each segment went.
 */
import { xorInto } from './can-parity.js';

/** A segment rebuilt from parity: its index in the frame and its bytes (S, zero-extended past the frame's end). */
export interface Rebuilt {
  readonly index: number;
  readonly bytes: Uint8Array;
}

export class ParityRepair {
  /** Group whose segments are being accumulated. */
  private group = 0;
  /** Parity of `group` XOR every segment of it that arrived (group 0: its parity came first). */
  private acc: Uint8Array;
  /** Absolute index of the one missing segment of `group`, or -1. */
  private missing = -1;
  /** True while `acc` includes the group's parity. */
  private hasParity: boolean;

  /**
   * @param k group size
   * @param size segment size S
   * @param count data segments of the frame
   * @param parity0 the parity of group 0 that announced the frame; undefined if it was lost (the sender's
   *   previous frames were coded, so this one likely is: groups 1.. can still be repaired)
   */
  constructor(
    readonly k: number,
    readonly size: number,
    readonly count: number,
    parity0: Uint8Array | undefined,
  ) {
    this.acc = parity0 ? Uint8Array.from(parity0) : new Uint8Array(size);
    this.hasParity = parity0 !== undefined;
  }

  /** Last data segment (exclusive end) of group g. */
  private end(g: number): number {
    return Math.min(this.count, (g + 1) * this.k);
  }

  /**
   * Segment `at` arrived after `pos` (the next expected index) with `at - pos` segments skipped (0..2, in different groups).
   * Returns the segments rebuilt (to write), or 'lost' when the frame cannot be repaired.
   */
  data(pos: number, at: number, bytes: Uint8Array): Rebuilt[] | 'lost' {
    if (at > pos + 2 || at >= this.count) return 'lost';
    const out: Rebuilt[] = [];
    // Close the groups `pos` .. `at` leave behind (a later group's parity, due before its successor, was lost),
    // marking each skipped segment missing: at most one per group.
    for (let s = pos; s <= at; s++) {
      if (!this.close(Math.floor(s / this.k), out)) return 'lost';
      if (s < at && !this.miss(s)) return 'lost';
    }
    xorInto(this.acc, bytes);
    return out;
  }

  /**
   * The parity of group g (g >= 1) arrived with `pos` segments received so far: rebuilds the group's missing
   * segment (its last one too, if that is the one lost). Returns what was rebuilt and the new `pos`, or 'lost'.
   */
  parity(g: number, pos: number, bytes: Uint8Array): { rebuilt: Rebuilt[]; pos: number } | 'lost' {
    const end = this.end(g);
    if (g === 0 || pos > end || pos < end - 2) return 'lost';
    const out: Rebuilt[] = [];
    // Segments up to the group's end that did not come are missing: at most one per group.
    for (let s = pos; s < end; s++) if (!this.close(Math.floor(s / this.k), out) || !this.miss(s)) return 'lost';
    if (!this.close(g, out) || g !== this.group) return 'lost';
    xorInto(this.acc, bytes);
    if (this.missing >= 0) out.push({ index: this.missing, bytes: this.acc });
    this.open(g + 1, false);
    return { rebuilt: out, pos: end };
  }

  /** Move on to group g if it is a later one, adding the segment the group before lacked, rebuilt; false if it cannot be. */
  private close(g: number, out: Rebuilt[]): boolean {
    if (g <= this.group) return true;
    if (this.missing >= 0) {
      if (!this.hasParity) return false;
      out.push({ index: this.missing, bytes: this.acc });
    }
    this.open(g, false);
    return true;
  }

  /** True if the frame has every segment (nothing missing) once `pos` segments are through. */
  complete(pos: number): boolean {
    return pos >= this.count && this.missing < 0;
  }

  private miss(index: number): boolean {
    if (this.missing >= 0 || Math.floor(index / this.k) !== this.group) return false;
    this.missing = index;
    return true;
  }

  private open(g: number, hasParity: boolean): void {
    this.group = g;
    this.acc = new Uint8Array(this.size);
    this.missing = -1;
    this.hasParity = hasParity;
  }
}
