/**
 * Reassembly of one (node, direction) stream of CAN segments into encoded
 * frames (docs/protocol.md section 3.3). Segment 0 carries the frame's magic
 * and length, so the receiver knows how many bytes to expect; the following
 * segments must arrive with consecutive indexes. A segment with another index
 * is counted and ignored, and the frame in progress goes on: it may be noise
 * on this node's identifier or a duplicate, which cost nothing but
 * themselves. After a real loss the frame never completes: the next frame
 * start replaces it, or, when the index wraps inside a long frame, the
 * frame's CRC-32 fails.
 * Index 0 continues a frame when the index has just wrapped (a frame longer
 * than the modulus); otherwise it starts a new frame if it can be one (the
 * frame magic and a length within maxFrame). One that cannot is noise on
 * this node's identifier (another device, a bus test): it is counted and the
 * frame in progress goes on, so a stray frame costs nothing but itself.
 * A frame announced by the parity of its group 0 (docs/protocol.md section
 * 5.5) is coded: one missing segment per group is rebuilt from the group's
 * parity, so only a second loss in a group, or a lost segment 0, loses it.
 * Memory: one buffer of at most `maxFrame` bytes, plus one segment of parity.
 */
import { FRAME_LENGTH_PREFIX } from './constants.js';
import { ParityRepair } from './can-parity-rx.js';
import { peekFrameSize } from './frame.js';
import type { ChannelCounters } from './types.js';

/** The counters a reassembler increments. */
export type ReassemblyCounters = Pick<ChannelCounters, 'segmentErrors' | 'oversize' | 'malformed'>;

export class CanReassembler {
  private buf: Uint8Array | undefined;
  private received = 0;
  private nextIndex = 0;
  /** True after an error: ignore segments until the next index 0 without counting them again. */
  private skipping = false;
  /** True once the frame in progress has been counted in segmentErrors (a stray segment), so it is counted once. */
  private disturbed = false;
  /** The parity of group 0 of the frame whose segment 0 should come next. */
  private pending: { k: number; parity: Uint8Array } | undefined;
  /** Group size and segment size of the last coded frame announced: a frame whose group 0 parity was lost is taken as coded alike. */
  private lastCoding: { k: number; size: number } | undefined;
  /** Set while the frame in progress is coded. */
  private repair: ParityRepair | undefined;
  /** Absolute index of the next segment of a coded frame. */
  private pos = 0;

  /**
   * @param maxFrame largest frame accepted; longer frames are dropped unbuffered (oversize)
   * @param indexModulus 32 for 11-bit identifiers, 32768 for 29-bit
   */
  constructor(
    readonly maxFrame: number,
    readonly indexModulus: number,
    private readonly counters: ReassemblyCounters,
  ) {}

  /** Bytes of the partial frame held now (never more than maxFrame). */
  get buffered(): number {
    return this.buf ? this.received : 0;
  }

  /** Feed one segment; returns the encoded frame it completed, if any. Never throws. */
  push(index: number, data: Uint8Array): Uint8Array | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (index === 0 && !(this.buf && this.nextIndex === 0)) {
      // A new frame (unless the index just wrapped inside a long frame), if it can be one.
      const size = data.length >= FRAME_LENGTH_PREFIX ? peekFrameSize(data) : undefined;
      if (size === undefined || size > this.maxFrame) {
        if (this.repair && this.skipped(index) <= 2) return this.coded(index, data); // the wrapped index after lost segments
        if (size === undefined) this.counters.malformed++;
        else this.counters.oversize++;
        if (!this.buf) this.abandon(); // nothing in progress: wait for a real start
        return undefined; // noise: a frame in progress goes on
      }
      if (this.buf && !this.disturbed) this.counters.segmentErrors++;
      this.skipping = false;
      this.disturbed = false;
      this.buf = new Uint8Array(size);
      this.received = 0;
      this.nextIndex = 0;
      this.repair = undefined;
      const count = Math.ceil(size / data.length);
      if (pending && pending.parity.length === data.length) this.lastCoding = { k: pending.k, size: data.length };
      const coding = this.lastCoding;
      if (coding && coding.size === data.length && count > coding.k) {
        this.repair = new ParityRepair(coding.k, data.length, count, pending?.k === coding.k ? pending.parity : undefined);
        this.pos = 0;
        return this.coded(0, data);
      }
      return this.append(data);
    }
    if (!this.buf) {
      if (!this.skipping) {
        this.counters.segmentErrors++;
        this.skipping = true;
      }
      return undefined;
    }
    if (this.repair) return this.coded(index, data);
    if (index !== this.nextIndex) {
      // noise on this identifier or a duplicate; a lost segment shows as the frame never completing
      if (!this.disturbed) this.counters.segmentErrors++;
      this.disturbed = true;
      return undefined;
    }
    return this.append(data);
  }

  /**
   * Feed a parity segment of this (node, direction): group 0 announces the
   * next frame; a later group's may rebuild a segment and complete the frame
   * in progress. Returns the frame it completed, if any.
   */
  pushParity(k: number, group: number, data: Uint8Array): Uint8Array | undefined {
    if (group === 0) {
      this.pending = { k, parity: data };
      return undefined;
    }
    this.pending = undefined;
    const repair = this.repair;
    if (!this.buf || !repair || repair.k !== k || repair.size !== data.length) return undefined;
    const r = repair.parity(group, this.pos, data);
    if (r === 'lost') return this.lose();
    for (const x of r.rebuilt) this.place(x.index, x.bytes);
    this.advance(r.pos);
    return repair.complete(this.pos) ? this.finish() : undefined;
  }

  /** One segment of a coded frame. */
  private coded(index: number, data: Uint8Array): Uint8Array | undefined {
    const repair = this.repair!;
    const at = this.pos + this.skipped(index);
    const r = repair.data(this.pos, at, data);
    if (r === 'lost') return this.lose();
    for (const x of r) this.place(x.index, x.bytes);
    this.place(at, data);
    this.advance(at + 1);
    return repair.complete(this.pos) ? this.finish() : undefined;
  }

  /** Segments lost before `index` if it continues the frame in progress. */
  private skipped(index: number): number {
    return (index - this.nextIndex + this.indexModulus) % this.indexModulus;
  }

  private place(at: number, data: Uint8Array): void {
    const buf = this.buf!;
    const start = at * this.repair!.size;
    if (start < buf.length) buf.set(data.subarray(0, Math.min(data.length, buf.length - start)), start);
  }

  private advance(pos: number): void {
    this.pos = pos;
    this.nextIndex = pos % this.indexModulus;
    this.received = Math.min(this.buf!.length, pos * this.repair!.size);
  }

  private lose(): undefined {
    this.counters.segmentErrors++;
    this.abandon();
    return undefined;
  }

  private finish(): Uint8Array {
    const buf = this.buf!;
    this.buf = undefined;
    this.repair = undefined;
    return buf;
  }

  private abandon(): void {
    this.buf = undefined;
    this.repair = undefined;
    this.skipping = true;
  }

  private append(data: Uint8Array): Uint8Array | undefined {
    const buf = this.buf!;
    const take = Math.min(data.length, buf.length - this.received);
    buf.set(data.subarray(0, take), this.received);
    this.received += take;
    this.nextIndex = (this.nextIndex + 1) % this.indexModulus;
    if (this.received < buf.length) return undefined;
    this.buf = undefined;
    return buf;
  }
}
