/**
 * Reassembly of one (node, direction) stream of CAN segments into encoded
 * frames (docs/protocol.md section 3.3). Segment 0 carries the frame's magic
 * and length, so the receiver knows how many bytes to expect; the following
 * segments must arrive with consecutive indexes. Anything else drops the
 * partial frame, is counted, and the receiver waits for the next index 0.
 * Index 0 continues a frame when the index has just wrapped (a frame longer
 * than the modulus); otherwise it starts a new frame if it can be one (the
 * frame magic and a length within maxFrame). One that cannot is noise on
 * this node's identifier (another device, a bus test): it is counted and the
 * frame in progress goes on, so a stray frame costs nothing but itself.
 * Memory: one buffer of at most `maxFrame` bytes.
 */
import { FRAME_LENGTH_PREFIX } from './constants.js';
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
    if (index === 0 && !(this.buf && this.nextIndex === 0)) {
      // A new frame (unless the index just wrapped inside a long frame), if it can be one.
      const size = data.length >= FRAME_LENGTH_PREFIX ? peekFrameSize(data) : undefined;
      if (size === undefined || size > this.maxFrame) {
        if (size === undefined) this.counters.malformed++;
        else this.counters.oversize++;
        if (!this.buf) this.abandon(); // nothing in progress: wait for a real start
        return undefined; // noise: a frame in progress goes on
      }
      if (this.buf) this.counters.segmentErrors++;
      this.skipping = false;
      this.buf = new Uint8Array(size);
      this.received = 0;
      this.nextIndex = 0;
      return this.append(data);
    }
    if (!this.buf) {
      if (!this.skipping) {
        this.counters.segmentErrors++;
        this.skipping = true;
      }
      return undefined;
    }
    if (index !== this.nextIndex) {
      this.counters.segmentErrors++;
      this.abandon();
      return undefined;
    }
    return this.append(data);
  }

  private abandon(): void {
    this.buf = undefined;
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
