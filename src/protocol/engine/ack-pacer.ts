/**
 * When the target acknowledges (docs/protocol.md section 5.2): after
 * `ackEvery` in-order chunks, or `ackDelayMs` after the first unacknowledged
 * one; at once when a chunk arrives beyond a gap, when a duplicate arrives
 * (the host missed an ACK), when the image is complete, and on END. A wire
 * concern of one session: what is held is the receive session's record.
 */
import type { SchedulerLike } from 'rxjs';
import type { BeginMsg, Message } from '../messages-types.js';
import { buildAck } from './ack-map.js';
import type { ReceiveSession } from './receiver.js';
import type { TargetCounters } from './target-types.js';
import { Timer } from './timer.js';

/** Where ACKs go. */
export interface AckSink {
  readonly counters: TargetCounters;
  send(msg: Message, session: number, seq: number): void;
}

export class AckPacer {
  private readonly ackEvery: number;
  private readonly ackDelayMs: number;
  private unacked = 0;
  private readonly timer: Timer;

  constructor(
    private readonly out: AckSink,
    readonly session: ReceiveSession,
    begin: Pick<BeginMsg, 'ackEvery' | 'ackDelayMs'>,
    scheduler: SchedulerLike,
    private seq: number,
  ) {
    this.ackEvery = begin.ackEvery;
    this.ackDelayMs = begin.ackDelayMs;
    this.timer = new Timer(scheduler);
  }

  /** A new chunk was stored: acknowledge per the policy. */
  stored(): void {
    const held = this.session.held;
    this.unacked++;
    const gap = held.prefix < held.total;
    if (gap || this.session.complete || this.unacked >= this.ackEvery) this.ackNow();
    else if (!this.timer.armed) this.timer.set(this.ackDelayMs, () => this.ackNow());
  }

  /** A chunk stored (or found held) inside an XDATA run: the run's one ACK follows when the run is stored (ackNow). */
  storedInRun(): void {
    this.unacked++;
  }

  /** Send an ACK of everything held now. */
  ackNow(): void {
    this.timer.clear();
    this.unacked = 0;
    this.out.counters.acksSent++;
    this.seq = (this.seq + 1) & 0xffff;
    const s = this.session;
    this.out.send(buildAck(s.held, s.chunk, s.size, s.window), s.id, this.seq);
  }

  stop(): void {
    this.timer.clear();
  }
}
