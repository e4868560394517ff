/**
 * Options, state and counters of the target side (serveTarget).
 */
import type { SchedulerLike } from 'rxjs';
import type { HilbridgeError } from '../../errors.js';
import type { TargetBaudOptions } from './target-baud.js';

export interface ServeOptions {
  readonly scheduler?: SchedulerLike;
  /** Largest chunk accepted (default: what the channel's maximum frame allows). */
  readonly maxChunk?: number;
  /** Chunks accepted beyond the cumulative point (default 64). */
  readonly window?: number;
  /** A session with no DATA/END for this long is suspended (held data kept for resume), ms (default 10000). */
  readonly interChunkTimeoutMs?: number;
  /** A session older than this is aborted and freed, ms (default 600000). */
  readonly sessionTimeoutMs?: number;
  /** Frames waiting for the backend before DATA is dropped (counted as overrun), default 256; any frame beyond twice this. */
  readonly queueLimit?: number;
  /**
   * Replies (and ACKs, target ABORTs) waiting for the link to accept them;
   * beyond this a new one is dropped and counted (`repliesDropped`), so a
   * link nobody reads never delays the answer to the next request. Default 8;
   * refusals of frames outside the open session a quarter of it.
   */
  readonly replyLimit?: number;
  /** Byte-stream links that can switch rates: INFO lists the rates and SET_BAUD is served (otherwise ENOTSUP). */
  readonly baud?: TargetBaudOptions;
}

export const SERVE_DEFAULTS = {
  window: 64,
  interChunkTimeoutMs: 10_000,
  sessionTimeoutMs: 600_000,
  queueLimit: 256,
  replyLimit: 8,
} as const;

/** Where the target is. */
export enum TargetState {
  /** No session (or a suspended one whose data the backend keeps). */
  Idle = 'idle',
  Receiving = 'receiving',
  /** END accepted, backend verifying and committing. */
  Verifying = 'verifying',
  /** serveTarget stopped. */
  Closed = 'closed',
}

export interface TargetCounters {
  framesReceived: number;
  /** DATA for chunks already held. */
  duplicates: number;
  /** DATA beyond the receive window, dropped. */
  outOfWindow: number;
  /** Payloads that did not decode, or did not fit the session. */
  malformed: number;
  /** Frames dropped because the backend fell behind (queue full). */
  overrun: number;
  /** Frames the target did not send because `replyLimit` frames were still waiting for the link. */
  repliesDropped: number;
  acksSent: number;
  naksSent: number;
  sessionsBegun: number;
  aborts: number;
  /** SET_BAUD switches made. */
  baudSwitches: number;
  /** Switches undone on their own (unconfirmed, or silence at a switched rate). */
  baudReverts: number;
}

export interface TargetHandle {
  readonly state: TargetState;
  /** Current session id, 0 if none. */
  readonly session: number;
  readonly counters: Readonly<TargetCounters>;
  /** The line rate now, bit/s (undefined without the `baud` option). */
  readonly lineRate: number | undefined;
  /** Abort the current session from the target: the backend frees it and the host is told (ABORT). */
  abort(detail?: string): Promise<void>;
  /** Stop serving; the backend keeps what it holds (a later serveTarget can resume). Does not close the channel. */
  close(): Promise<void>;
  /** Resolves when serving stops: closed, link completed, or link failed (with the error). */
  readonly ended: Promise<{ readonly error?: HilbridgeError }>;
}
