/**
 * Request rounds of a broadcast session: one CTRL to each node asked, then
 * one wait (the session's only timer owner) until every node answered or
 * the round's time ran out; the silent ones are asked again until their own
 * retry budget is spent, so one dead node never stalls the rest. Replies
 * are dispatched to the nodes' records as they arrive.
 *
 * The waits adapt to how fast the nodes answer: each answer in a round
 * gives a latency sample (its arrival after the round's requests went out),
 * and the largest recent one is added twice to the round's wait and bounds
 * the quiet time below; a round that ends with a node silent doubles the
 * next round's wait (back-off, up to MAX_ROUND_WAIT_MS), a round every node
 * answered resets it. Boards on a busy machine (processes under User-Mode
 * Linux) answer 100 ms or more late, where the bus alone would take a few ms,
 * and can stay silent for seconds: a node is given up after its retries and
 * at least MIN_SILENCE_MS without an answer.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { CanTransport } from '../../transports/types.js';
import { wireCodeName } from '../messages-codes.js';
import { BcastKind, CtrlOp, MAP_RANGES, ReplyCode, bcastKind, ctrlFrame, decodeReply, u24 } from './bcast-wire.js';
import type { Reply } from './bcast-wire.js';
import { NodePhase } from './bcast-types.js';
import type { NodeRecord } from './bcast-types.js';
import type { BcastCounters } from './bcast-types.js';

export interface RoundsDeps {
  readonly transport: CanTransport;
  readonly scheduler: SchedulerLike;
  readonly session: number;
  readonly counters: BcastCounters;
  readonly retries: number;
  /** Round wait for `asked` nodes, ms. */
  readonly waitMs: (asked: number) => number;
  /** How long a round waits after the last reply, ms. */
  readonly quietMs: () => number;
  readonly now: () => number;
}

/** Whether a reply answers the request in flight (any reply the record takes in is recorded first). */
export type Answers = (rec: NodeRecord, r: Reply) => boolean;

/** Longest wait of one round, ms: bounds the back-off (a dead node costs at most its retries times this). */
export const MAX_ROUND_WAIT_MS = 2000;
/**
 * A node is given up only after its retries AND this long without an answer: a board process that a busy
 * machine does not schedule for seconds, or that is still reading the DATA queued before the request, is
 * slow, not gone. A dead node costs about this long.
 */
export const MIN_SILENCE_MS = 12_000;

const OP_NAMES: Record<CtrlOp, string> = { [CtrlOp.Join]: 'JOIN', [CtrlOp.Poll]: 'POLL', [CtrlOp.Verify]: 'VERIFY', [CtrlOp.Commit]: 'COMMIT', [CtrlOp.Abort]: 'ABORT' };

export class Rounds {
  private readonly sub: Subscription;
  private answers: Answers | undefined;
  private waiting: { pending: Set<NodeRecord>; wake: () => void; timer?: { unsubscribe(): void } } | undefined;
  /** The largest recent reply latency, ms (decays by 1/8 per sample). */
  private latency = 0;
  /** Doubles for each round that ended with a node silent; 1 after a round every node answered. */
  private backoff = 1;
  /** When the round in flight sent its requests. */
  private sentAt = 0;

  constructor(
    private readonly deps: RoundsDeps,
    private readonly nodes: ReadonlyMap<number, NodeRecord>,
  ) {
    this.sub = deps.transport.rx$.subscribe({ next: (f) => {
      const k = bcastKind(f);
      if (k?.kind !== BcastKind.Reply) return;
      const r = decodeReply(k.low, f.data);
      const rec = r === undefined ? undefined : this.nodes.get(r.node);
      if (r === undefined || rec === undefined || (r.session !== deps.session && !(r.code === ReplyCode.Map && !rec.mapDone))) return;
      deps.counters.replies++;
      this.quiet();
      take(rec, r);
      if (this.answers?.(rec, r) === true) {
        if (this.waiting?.pending.has(rec) === true) this.latency = Math.max(this.latency * 0.875, deps.scheduler.now() - this.sentAt);
        this.answered(rec);
      }
    }, error: () => undefined });
  }

  close(): void {
    this.sub.unsubscribe();
  }

  /** Send CTRL `op` to one node (or 0 = every node) without waiting for answers. */
  async send(node: number, op: CtrlOp, arg = 0): Promise<void> {
    this.deps.counters.ctrlFrames++;
    await this.deps.transport.send(ctrlFrame(node, op, this.deps.session, arg));
  }

  /**
   * Ask every active node in `recs` until it answers (`answers`) or its retry
   * budget is spent (then it is Lost, unless a verdict of its own arrived).
   */
  async ask(recs: readonly NodeRecord[], op: CtrlOp, arg: number, answers: Answers, before?: (r: NodeRecord) => void): Promise<void> {
    let pending = recs.filter((r) => r.active);
    this.answers = answers;
    try {
      while (pending.length > 0) {
        for (const r of pending) {
          r.answered = false;
          before?.(r);
        }
        const set = new Set(pending);
        const done = new Promise<void>((wake) => (this.waiting = { pending: set, wake }));
        this.sentAt = this.deps.scheduler.now();
        for (const r of pending) await this.send(r.node, op, arg);
        const w = this.waiting!;
        const wait = Math.min(MAX_ROUND_WAIT_MS, (this.deps.waitMs(pending.length) + 2 * this.latency) * this.backoff);
        w.timer = this.deps.scheduler.schedule(() => w.wake(), wait);
        if (set.size > 0) await done;
        w.timer.unsubscribe();
        this.waiting = undefined;
        pending = pending.filter((r) => !r.answered && r.active);
        this.backoff = pending.length > 0 ? Math.min(this.backoff * 2, 256) : 1;
        for (const r of pending) this.silence(r, op);
        pending = pending.filter((r) => r.active);
      }
    } finally {
      this.answers = undefined;
    }
  }

  /** A reply arrived: the round ends once replies stop for the quiet time (or every node answered). */
  private quiet(): void {
    const w = this.waiting;
    if (w?.timer === undefined) return;
    w.timer.unsubscribe();
    w.timer = this.deps.scheduler.schedule(() => w.wake(), Math.min(MAX_ROUND_WAIT_MS, Math.max(this.deps.quietMs(), this.latency)));
  }

  private answered(rec: NodeRecord): void {
    rec.answered = true;
    rec.silent = 0;
    const w = this.waiting;
    if (w === undefined) return;
    w.pending.delete(rec);
    if (w.pending.size === 0) w.wake();
  }

  private silence(r: NodeRecord, op: CtrlOp): void {
    r.retries++;
    if (r.silent++ === 0) r.silentSince = this.sentAt;
    const silentMs = this.deps.scheduler.now() - r.silentSince;
    if (r.silent < this.deps.retries || silentMs < MIN_SILENCE_MS) return;
    r.endMs = this.deps.now();
    const v = r.verdict;
    if (v !== undefined) {
      // Its verdict arrived, only part of the reason did not.
      r.phase = v.reply === 'refuse' || r.phase === NodePhase.Receiving ? NodePhase.Refused : NodePhase.Failed;
      r.error = { code: wireCodeName(v.code), message: `node ${r.node}: ${r.detailText()}` };
      return;
    }
    r.phase = NodePhase.Lost;
    r.error = {
      code: 'peer_timeout',
      message: `node ${r.node} on ${this.deps.transport.name} stopped answering: no reply to ${OP_NAMES[op]} after ${r.silent} tries in ${(silentMs / 1000).toFixed(1)} s; is it powered, in its loader, on this bus?`,
    };
  }
}

/** Record what a reply says about its node. */
function take(rec: NodeRecord, r: Reply): void {
  const b = r.body;
  switch (r.code) {
    case ReplyCode.Ready:
      if (b.byteLength >= 4) rec.rate = b.getUint32(0) === 0 ? Infinity : b.getUint32(0);
      if (rec.phase === NodePhase.Joining) rec.phase = NodePhase.Receiving;
      rec.needsJoin = false;
      return;
    case ReplyCode.Refuse:
    case ReplyCode.Failed:
      if (b.byteLength >= 3) rec.verdict = { reply: r.code === ReplyCode.Refuse ? 'refuse' : 'failed', code: b.getUint16(0), length: b.getUint8(2) };
      return;
    case ReplyCode.Detail:
      if (b.byteLength >= 1) rec.detail.set(b.getUint8(0), new Uint8Array(b.buffer, b.byteOffset + 1, b.byteLength - 1).slice());
      return;
    case ReplyCode.Map:
      // a node lists at most MAP_RANGES runs per POLL: more is noise or a broken node, bounded here
      if (++rec.mapFrames > MAP_RANGES / 2) return;
      for (let at = 0; at + 4 <= b.byteLength; at += 4) {
        const start = u24(b, at);
        rec.map.add(start, start + b.getUint8(at + 3));
      }
      return;
    case ReplyCode.MapEnd:
      if (b.byteLength >= 2) {
        rec.mapDone = true;
        rec.mapRanges = b.getUint8(0);
        rec.mapMore = b.getUint8(1) !== 0;
      }
      return;
    case ReplyCode.Verified:
      if (b.byteLength >= 4) rec.crc = b.getUint32(0);
      if (rec.phase !== NodePhase.Committed) rec.phase = NodePhase.Verified;
      return;
    case ReplyCode.Committed:
      if (b.byteLength >= 5) {
        rec.slot = b.getUint8(0);
        rec.crc = b.getUint32(1);
      }
      rec.phase = NodePhase.Committed;
      return;
    case ReplyCode.Aborted:
      return;
    case ReplyCode.Unknown:
      rec.needsJoin = true;
      return;
  }
}
