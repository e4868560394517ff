/**
 * One receive session on the target: what is held, the receive window, the
 * acknowledgement policy and the session's timers.
 *
 * ACK policy (docs/protocol.md section 5.2): after `ackEvery` in-order
 * chunks, or `ackDelayMs` after the first unacknowledged one; at once when
 * a chunk arrives beyond a gap, when a duplicate arrives (the host missed an
 * ACK), when the image is complete, and on END.
 */
import type { SchedulerLike } from 'rxjs';
import { HoldState } from '../messages-types.js';
import type { BeginMsg, ByteRange, Message } from '../messages-types.js';
import { buildAck } from './ack-map.js';
import { RangeSet } from '../../util/ranges.js';
import { SERVE_DEFAULTS } from './target-types.js';
import type { ServeOptions, TargetCounters } from './target-types.js';
import { Timer } from './timer.js';

/** What a session needs from the server that owns it. */
export interface SessionOwner {
  readonly counters: TargetCounters;
  send(msg: Message, session: number, seq: number): void;
  expire(rx: RxSession): Promise<void>;
  suspend(rx: RxSession): void;
}

export type ChunkVerdict = 'new' | 'held' | 'beyond' | 'bad';

export class RxSession {
  readonly size: number;
  readonly chunk: number;
  readonly window: number;
  readonly sha256: Uint8Array;
  readonly held: RangeSet;
  endRequested = false;
  private readonly ackEvery: number;
  private readonly ackDelayMs: number;
  private unacked = 0;
  private seq: number;
  private readonly ackTimer: Timer;
  private readonly idleTimer: Timer;
  private readonly lifeTimer: Timer;
  private readonly idleMs: number;

  constructor(
    private readonly owner: SessionOwner,
    readonly id: number,
    begin: BeginMsg,
    ranges: readonly ByteRange[],
    scheduler: SchedulerLike,
    opts: ServeOptions,
    seq: number,
  ) {
    this.size = begin.size;
    this.chunk = begin.chunk;
    this.window = begin.window;
    this.sha256 = begin.sha256.slice();
    this.ackEvery = begin.ackEvery;
    this.ackDelayMs = begin.ackDelayMs;
    this.held = new RangeSet(ranges);
    this.seq = seq;
    this.ackTimer = new Timer(scheduler);
    this.idleTimer = new Timer(scheduler);
    this.lifeTimer = new Timer(scheduler);
    this.idleMs = opts.interChunkTimeoutMs ?? SERVE_DEFAULTS.interChunkTimeoutMs;
    this.lifeTimer.set(opts.sessionTimeoutMs ?? SERVE_DEFAULTS.sessionTimeoutMs, () => void this.owner.expire(this));
    this.touch();
  }

  get complete(): boolean {
    return this.held.has(0, this.size) || this.size === 0;
  }

  stateOfHeld(): HoldState {
    if (this.complete && this.size > 0) return HoldState.complete;
    return this.held.count > 0 ? HoldState.partial : HoldState.none;
  }

  /** Activity on the session: restart the inter-chunk timer. */
  touch(): void {
    this.idleTimer.set(this.idleMs, () => this.owner.suspend(this));
  }

  /** Is DATA at [offset, offset+len) a new chunk, a held one, beyond the window, or not a chunk at all? */
  classify(offset: number, len: number): ChunkVerdict {
    if (offset % this.chunk !== 0 || offset >= this.size) return 'bad';
    if (len !== Math.min(this.chunk, this.size - offset)) return 'bad';
    if (this.held.has(offset, offset + len)) return 'held';
    const base = Math.floor(this.held.prefix / this.chunk);
    if (offset / this.chunk >= base + this.window) return 'beyond';
    return 'new';
  }

  /** The backend stored a new chunk: record it and acknowledge per the policy. */
  stored(offset: number, len: number): void {
    this.held.add(offset, offset + len);
    this.unacked++;
    const gap = this.held.prefix < this.held.total;
    if (gap || this.complete || this.unacked >= this.ackEvery) this.ackNow();
    else if (!this.ackTimer.armed) this.ackTimer.set(this.ackDelayMs, () => this.ackNow());
  }

  /** Send an ACK of everything held now. */
  ackNow(): void {
    this.ackTimer.clear();
    this.unacked = 0;
    this.owner.counters.acksSent++;
    this.seq = (this.seq + 1) & 0xffff;
    this.owner.send(buildAck(this.held, this.chunk, this.size, this.window), this.id, this.seq);
  }

  stopTimers(): void {
    this.ackTimer.clear();
    this.idleTimer.clear();
    this.lifeTimer.clear();
  }

  /** End the session's timers; `discard` also forgets what it held (the backend frees storage). */
  close(discard = false): void {
    this.stopTimers();
    if (discard) this.held.clear();
  }
}
