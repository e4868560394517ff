/**
 * Byte-stream framing (docs/protocol.md section 2): one frame per unit,
 * COBS-encoded and followed by a 0x00 delimiter, and the bounded incremental
 * splitter that recovers the runs from arbitrarily chunked input.
 */
import { COBS_DELIMITER } from './constants.js';
import { cobsDecode, cobsEncodeInto, cobsMaxEncodedSize } from './cobs.js';

/**
 * One transport unit for a frame: [0x00 if leadingDelimiter] COBS(frame) 0x00.
 * The leading delimiter flushes line garbage before the first frame.
 */
export function encodeCobsUnit(frame: Uint8Array, leadingDelimiter = false): Uint8Array {
  const lead = leadingDelimiter ? 1 : 0;
  const buf = new Uint8Array(lead + cobsMaxEncodedSize(frame.length) + 1);
  // new Uint8Array is zero-filled, so the leading delimiter is already there.
  const end = cobsEncodeInto(frame, buf, lead);
  buf[end] = COBS_DELIMITER;
  return buf.subarray(0, end + 1);
}

/** What the splitter made of a delimited run. */
export type CobsRun =
  | { readonly kind: 'frame'; readonly bytes: Uint8Array }
  | { readonly kind: 'oversize'; readonly garbageBytes: number }
  | { readonly kind: 'malformed'; readonly garbageBytes: number };

/**
 * Incremental, bounded COBS splitter. Feed it chunks as they arrive; it
 * returns the decoded runs each chunk completed. It holds at most
 * cobsMaxEncodedSize(maxFrame) bytes: a longer run is dropped as it overflows
 * and reported once ('oversize') when its delimiter arrives. Empty runs
 * (consecutive delimiters) are ignored; runs that are not valid COBS are
 * reported as 'malformed'. Never throws on input.
 */
export class CobsSplitter {
  private readonly buf: Uint8Array;
  private fill = 0;
  /** Bytes of the current over-long run (0 while not discarding). */
  private discarded = 0;

  constructor(readonly maxFrame: number) {
    this.buf = new Uint8Array(cobsMaxEncodedSize(maxFrame));
  }

  /** Bytes currently buffered (never more than `capacity`). */
  get buffered(): number {
    return this.fill;
  }

  /** The buffer's fixed size. */
  get capacity(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): CobsRun[] {
    const runs: CobsRun[] = [];
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(COBS_DELIMITER, start);
      const stop = end < 0 ? chunk.length : end;
      this.append(chunk, start, stop);
      if (end < 0) break;
      const run = this.finishRun();
      if (run) runs.push(run);
      start = end + 1;
    }
    return runs;
  }

  private append(chunk: Uint8Array, start: number, stop: number): void {
    const len = stop - start;
    if (len === 0) return;
    if (this.discarded > 0) {
      this.discarded += len;
    } else if (this.fill + len > this.buf.length) {
      this.discarded = this.fill + len;
      this.fill = 0;
    } else {
      this.buf.set(chunk.subarray(start, stop), this.fill);
      this.fill += len;
    }
  }

  private finishRun(): CobsRun | undefined {
    if (this.discarded > 0) {
      const garbageBytes = this.discarded;
      this.discarded = 0;
      return { kind: 'oversize', garbageBytes };
    }
    if (this.fill === 0) return undefined;
    const len = this.fill;
    this.fill = 0;
    const bytes = cobsDecode(this.buf.subarray(0, len));
    return bytes ? { kind: 'frame', bytes } : { kind: 'malformed', garbageBytes: len };
  }
}
