/**
 * The frame that carries the next chunk(s) of a transfer: plain DATA read from
 * the image, or (with a chunk coder, docs/protocol.md 9) what the coder
 * builds, a run of consecutive whole copies taken from the window in one go.
 */
import type { ImageReader } from '../../image/reader.js';
import type { Message } from '../messages-types.js';
import type { ChunkCoder } from './delta-coder.js';
import type { SendWindow } from './send-window.js';
import { opWireSize } from '../messages-delta.js';

export interface ChunkFrame {
  readonly msg: Message;
  /** First chunk and how many the frame carries. */
  readonly first: number;
  readonly run: number;
  /** Image bytes covered. */
  readonly bytes: number;
  /**
   * Its acknowledgement is a round-trip sample: not for a frame under a
   * quarter of a chunk (a run of copies is a few bytes on the wire; its
   * round trip would shrink the RTO below what a full chunk needs, and full
   * chunks would be repeated while still on their way).
   */
  readonly sample: boolean;
  /** Bytes the frame's payload takes on the wire (what counts against the send window's wire budget). */
  readonly wire: number;
}

export async function chunkFrame(win: SendWindow, source: ImageReader, coder: ChunkCoder | undefined, next: { index: number; repeat: boolean }): Promise<ChunkFrame> {
  let run = 1;
  if (coder !== undefined && !next.repeat) {
    while (run < coder.maxRun && coder.joins(next.index + run - 1, next.index + run) && win.takeNext(next.index + run)) run++;
  }
  const { start } = win.range(next.index);
  const { end } = win.range(next.index + run - 1);
  const msg: Message = coder === undefined ? { kind: 'data', offset: start, bytes: await source.read(start, end - start) } : coder.message(next.index, run);
  const wire = msg.kind === 'data' ? msg.bytes.length : msg.kind === 'xdata' ? msg.ops.reduce((n, op) => n + opWireSize(op), 6) : 0;
  return { msg, first: next.index, run, bytes: end - start, sample: 4 * wire >= win.chunk || end - start < win.chunk, wire };
}
