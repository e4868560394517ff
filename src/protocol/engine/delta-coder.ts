/**
 * How the host sends each chunk of a delta or compressed transfer
 * (docs/protocol.md 9.2): as DATA (nothing to save), or as XDATA whose
 * operations copy what the board holds in its active slot, carry the rest
 * literally or compressed (only when smaller). Consecutive chunks copied
 * from consecutive active-image bytes travel in one XDATA (a run), so an
 * unchanged image costs a few frames, not one per chunk.
 *
 * The window, ACKs, resume and held ranges stay in chunk units of the
 * uncompressed image: this only chooses the bytes of each frame.
 */
import { DATA_HEADER_SIZE } from '../messages-types.js';
import type { Message, XOp } from '../messages-types.js';
import { XDATA_HEAD, opWireSize } from '../messages-delta.js';
import type { CopySeg } from './delta-plan.js';

/** Compresses one literal run with the codec that makes it smallest; undefined when none makes it smaller. */
export interface Packer {
  pack(bytes: Uint8Array): { readonly codec: number; readonly bytes: Uint8Array } | undefined;
}

/** Where a transfer's bytes went (reported in the result, docs/cli.md). */
export interface WireSavings {
  /** Image bytes the board copied from its active slot instead of receiving them. */
  reusedBytes: number;
  /** Image bytes that travelled compressed, and what they took on the wire. */
  compressedBytes: number;
  packedBytes: number;
  /** DATA and XDATA payload bytes sent (repeats included). */
  wireBytes: number;
  /** SIGS_INFO payload bytes received before the transfer. */
  sigBytes: number;
}

/** Literal runs shorter than this are not worth a compression attempt. */
const MIN_PACK = 32;
/** A copy shorter than this costs more on the wire (9 bytes) than the bytes it saves: they travel as part of a literal. */
const MIN_COPY = 12;
/** Chunks one XDATA run carries at most (its count is a u16, and the window bounds it anyway). */
const MAX_RUN = 0xffff;

export class ChunkCoder {
  readonly savings: WireSavings;
  private readonly cache = new Map<number, XOp[]>();
  /** Chunks whose reused and compressed bytes are in the savings already (a repeated chunk counts on the wire only). */
  private readonly counted = new Set<number>();
  /** Codec ids of the packed operations sent so far. */
  private readonly used = new Set<number>();

  constructor(
    private readonly image: Uint8Array,
    readonly chunk: number,
    private readonly segs: readonly CopySeg[],
    private readonly packer: Packer | undefined,
    sigBytes: number,
  ) {
    this.savings = { reusedBytes: 0, compressedBytes: 0, packedBytes: 0, wireBytes: 0, sigBytes };
  }

  private range(i: number): { start: number; end: number } {
    const start = i * this.chunk;
    return { start, end: Math.min(this.image.length, start + this.chunk) };
  }

  /** The active-image offset chunk `i` is a whole copy of, if it is one. */
  private copyOf(i: number): number | undefined {
    const ops = this.ops(i);
    const op = ops[0];
    return ops.length === 1 && op?.op === 'copy' ? op.src : undefined;
  }

  /** True when chunk `j` can ride in the same XDATA run as chunk `i` (j = i + 1, both copies of consecutive bytes). */
  joins(i: number, j: number): boolean {
    if (j !== i + 1) return false;
    const a = this.copyOf(i);
    const b = this.copyOf(j);
    return a !== undefined && b !== undefined && b === a + this.chunk;
  }

  get maxRun(): number {
    return MAX_RUN;
  }

  /**
   * The frame for chunks [first, first + count) (count > 1 only for a run that joins). Never larger than the chunks'
   * DATA frame: an XDATA that would not be smaller (copies and literals that cost more than they save) goes as DATA.
   */
  message(first: number, count: number): Message {
    const { start } = this.range(first);
    const { end } = this.range(first + count - 1);
    const ops: XOp[] = count > 1 ? [{ op: 'copy', src: this.copyOf(first)!, length: end - start }] : this.ops(first);
    const wire = ops.reduce((n, op) => n + opWireSize(op), XDATA_HEAD);
    const only = ops[0];
    if ((ops.length === 1 && only?.op === 'literal') || wire >= DATA_HEADER_SIZE + (end - start)) {
      this.savings.wireBytes += DATA_HEADER_SIZE + (end - start);
      return { kind: 'data', offset: start, bytes: this.image.subarray(start, end) };
    }
    this.savings.wireBytes += wire;
    if (count > 1) {
      for (let i = first; i < first + count; i++) if (this.count(i)) this.savings.reusedBytes += this.range(i).end - this.range(i).start;
    } else if (this.count(first)) {
      for (const op of ops) {
        if (op.op === 'copy') this.savings.reusedBytes += op.length;
        if (op.op === 'packed') {
          this.used.add(op.codec);
          this.savings.compressedBytes += op.rawLength;
          this.savings.packedBytes += op.bytes.length;
        }
      }
    }
    return { kind: 'xdata', offset: start, count, ops };
  }

  /** Codec ids the packed operations sent so far used, ascending. */
  codecsUsed(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }

  /** True the first time chunk `i` is counted in the savings. */
  private count(i: number): boolean {
    if (this.counted.has(i)) return false;
    this.counted.add(i);
    return true;
  }

  /** Chunk `i`'s operations: copies where the plan says, the rest literal or packed. */
  private ops(i: number): XOp[] {
    const hit = this.cache.get(i);
    if (hit !== undefined) return hit;
    const { start, end } = this.range(i);
    const ops: XOp[] = [];
    let at = start;
    for (const s of this.overlapping(start, end)) {
      const from = Math.max(s.dst, start);
      const to = Math.min(s.dst + s.length, end);
      if (to - from < MIN_COPY) continue; // cheaper inside the literal around it
      if (from > at) ops.push(this.literal(at, from));
      ops.push({ op: 'copy', src: s.src + (from - s.dst), length: to - from });
      at = to;
    }
    if (at < end) ops.push(this.literal(at, end));
    this.cache.set(i, ops);
    return ops;
  }

  private literal(from: number, to: number): XOp {
    const bytes = this.image.subarray(from, to);
    if (this.packer !== undefined && bytes.length >= MIN_PACK) {
      const packed = this.packer.pack(bytes);
      if (packed !== undefined && packed.bytes.length > 0 && packed.bytes.length + 6 < bytes.length + 3) return { op: 'packed', codec: packed.codec, rawLength: bytes.length, bytes: packed.bytes };
    }
    return { op: 'literal', bytes };
  }

  /** Plan segments overlapping [start, end) (the plan is sorted by dst and disjoint). */
  private overlapping(start: number, end: number): CopySeg[] {
    let lo = 0;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.segs[mid]!.dst + this.segs[mid]!.length <= start) lo = mid + 1;
      else hi = mid;
    }
    const out: CopySeg[] = [];
    for (let k = lo; k < this.segs.length && this.segs[k]!.dst < end; k++) out.push(this.segs[k]!);
    return out;
  }
}
