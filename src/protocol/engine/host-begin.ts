/**
 * How the host side of a transfer opens (docs/protocol.md 5.1): the session
 * id it picks and the BEGIN message it sends, both from the image and the
 * transfer's options. Moved out of host-transfer.ts unchanged.
 */
import type { SchedulerLike } from 'rxjs';
import type { ImageReader } from '../../image/reader.js';
import { ImageKind } from '../messages-types.js';
import type { Message } from '../messages-types.js';
import { TRANSFER_DEFAULTS } from './host-options.js';
import type { TransferOptions } from './host-options.js';

let sessionCounter = 0;

/**
 * A session id (1..65535) for a new transfer of the image with this SHA-256:
 * from the image, the clock and a per-process counter, so a later `flash` of
 * the same image (a new process) does not reuse the id of a session the board
 * may still have open, while virtual-time tests stay deterministic.
 */
export function newSessionId(sha: Uint8Array, scheduler: SchedulerLike): number {
  sessionCounter = (sessionCounter + 1) & 0xffff;
  const image = ((sha[0] ?? 0) << 8) | (sha[1] ?? 0);
  return ((image ^ (Math.floor(scheduler.now()) & 0xffff)) + sessionCounter) % 0xffff + 1;
}

/** BEGIN for `source` with the agreed chunk and window; `fresh`: the target discards what it held before. */
export function beginMessage(source: ImageReader, opts: TransferOptions, win: { readonly chunk: number; readonly window: number; readonly pacedChunks: number }, fresh: boolean): Message {
  return {
    kind: 'begin',
    size: source.size,
    crc32: source.crc32,
    sha256: source.sha256,
    slot: opts.slot ?? TRANSFER_DEFAULTS.slot,
    imageKind: opts.imageKind ?? ImageKind.raw,
    chunk: win.chunk,
    window: win.window,
    ackEvery: Math.min(255, opts.ackEvery ?? Math.max(1, Math.floor(win.pacedChunks / 4))),
    ackDelayMs: opts.ackDelayMs ?? TRANSFER_DEFAULTS.ackDelayMs,
    fresh,
  };
}
