/**
 * The host's sliding window with selective repeat (docs/protocol.md section
 * 5.3). Pure bookkeeping, no I/O and no clock of its own: the sender asks it
 * what to send next, tells it when a chunk went out and what the target
 * acknowledged, and it answers with RTT samples (Karn's rule applied) and
 * which chunks to repeat.
 *
 * A chunk is repeated when its retransmission timer expires, or early when
 * the target acknowledged a chunk sent DUP_THRESHOLD or more transmissions
 * after it (the receiver would have seen it by then unless it was lost).
 * Memory: one byte per chunk of the image for the held map, plus one entry
 * per chunk in flight (at most `window`).
 */
import type { AckMsg, ByteRange } from '../messages-types.js';
import { readAck } from './ack-map.js';

/** Transmissions after a chunk that, once acknowledged, mark it lost. */
export const DUP_THRESHOLD = 3;

interface InFlight {
  /** Transmission number of the latest send (monotonic over the session). */
  tx: number;
  /** Scheduler time the latest send was accepted by the link; undefined while the send is pending. */
  sentAt: number | undefined;
  sends: number;
  lost: boolean;
  /** False: this send's acknowledgement is no round-trip sample (a frame much smaller than a chunk: delta-coder.ts). */
  sample?: boolean;
  /** Wire bytes of the frame that carried it (the first chunk of a run carries the run's frame; the others 0). */
  wire?: number;
}

export interface AckOutcome {
  /** RTT samples, ms, from chunks acknowledged that were sent exactly once. */
  readonly rttSamples: number[];
  /** Chunks this ACK newly reported held. */
  readonly newlyHeld: number;
  /** Chunks newly marked lost by the duplicate threshold. */
  readonly lost: number;
  /** False if the ACK does not fit the session (ignored). */
  readonly valid: boolean;
}

export class SendWindow {
  readonly total: number;
  private readonly held: Uint8Array;
  private heldCount = 0;
  private base = 0;
  private nextNew = 0;
  private txCounter = 0;
  private readonly flight = new Map<number, InFlight>();
  private readonly lostQueue: number[] = [];

  /**
   * @param window chunks from the lowest one not held that may be sent (BEGIN's window)
   * @param wireBudget wire bytes that may be in flight (sent, neither acknowledged nor taken for lost) before a
   *   new chunk goes out: a coded transfer (delta-coder.ts) opens the window wide, since a run of copies or a
   *   compressed chunk costs a fraction of a chunk on the wire, and keeps the bytes queued on the link where a
   *   plain transfer's window would (Infinity: the window alone decides)
   */
  constructor(
    readonly size: number,
    readonly chunk: number,
    readonly window: number,
    readonly wireBudget = Infinity,
  ) {
    this.total = Math.ceil(size / chunk);
    this.held = new Uint8Array(this.total);
  }

  /** Full chunks' worth of wire bytes the window keeps in flight (the window itself without a wire budget). */
  get pacedChunks(): number {
    return this.wireBudget === Infinity ? this.window : Math.max(1, Math.min(this.window, Math.floor(this.wireBudget / this.chunk)));
  }

  /** Wire bytes sent and neither acknowledged nor taken for lost. */
  get wireInFlight(): number {
    let n = 0;
    for (const f of this.flight.values()) if (!f.lost && f.sentAt !== undefined) n += f.wire ?? 0;
    return n;
  }

  /** Whether a new chunk `i` may go now: inside the window, and the wire budget not used up. */
  private opens(i: number): boolean {
    return i < this.total && i < this.base + this.window && (this.wireBudget === Infinity || this.wireInFlight < this.wireBudget);
  }

  /** Byte range of chunk `i`. */
  range(i: number): ByteRange {
    const start = i * this.chunk;
    return { start, end: Math.min(this.size, start + this.chunk) };
  }

  get heldBytes(): number {
    let n = this.heldCount * this.chunk;
    if (this.total > 0 && this.held[this.total - 1] === 1) n -= this.total * this.chunk - this.size;
    return n;
  }

  get allHeld(): boolean {
    return this.heldCount === this.total;
  }

  /** Every chunk not held has been sent at least once and none waits for a repeat. */
  get allSentOnce(): boolean {
    return this.skipHeld(this.nextNew) >= this.total && this.lostQueue.length === 0;
  }

  get inFlight(): number {
    return this.flight.size;
  }

  /** Make the held map exactly `ranges` (whole chunks only): the target's word at BEGIN. */
  setHeld(ranges: readonly ByteRange[]): void {
    const want = new Uint8Array(this.total);
    for (const r of ranges) {
      for (let i = Math.ceil(r.start / this.chunk); i < this.total; i++) {
        const { start, end } = this.range(i);
        if (start < r.start || end > r.end) break;
        want[i] = 1;
      }
    }
    for (let i = 0; i < this.total; i++) {
      if (want[i] === 1) this.hold(i);
      else if (this.held[i] === 1) {
        this.held[i] = 0;
        this.heldCount--;
        if (i < this.nextNew && !this.flight.has(i)) this.queueLost(i);
      }
    }
    this.base = this.skipHeld(0);
  }

  /** Mark a chunk for repeat now (e.g. the target NACKed it before it knew the session). */
  markLost(i: number): void {
    const f = this.flight.get(i);
    if (f === undefined || f.lost || this.held[i] === 1 || f.sentAt === undefined) return;
    f.lost = true;
    this.queueLost(i);
  }

  /**
   * The next chunk to send (repeats first, then new chunks inside the
   * window), marked as being sent; `repeat` says it was sent before.
   */
  take(): { index: number; repeat: boolean } | undefined {
    while (this.lostQueue.length > 0) {
      const i = this.lostQueue.shift()!;
      if (this.held[i] === 1) continue;
      const f = this.flight.get(i) ?? { tx: 0, sentAt: undefined, sends: 1, lost: false };
      f.lost = false;
      f.sentAt = undefined;
      this.flight.set(i, f);
      return { index: i, repeat: true };
    }
    const i = this.skipHeld(this.nextNew);
    if (!this.opens(i)) return undefined;
    this.nextNew = i + 1;
    this.flight.set(i, { tx: 0, sentAt: undefined, sends: 0, lost: false });
    return { index: i, repeat: false };
  }

  /**
   * Take new chunk `i` too, if it is exactly the next new chunk `take` would
   * give, inside the window, with no repeat waiting (a run of chunks that
   * travels in one frame: delta-coder.ts).
   */
  takeNext(i: number): boolean {
    // inside the window only: the run's frame counts against the wire budget once, on its first chunk (host-transfer.ts)
    if (this.lostQueue.length > 0 || i !== this.skipHeld(this.nextNew) || i >= this.total || i >= this.base + this.window) return false;
    this.nextNew = i + 1;
    this.flight.set(i, { tx: 0, sentAt: undefined, sends: 0, lost: false });
    return true;
  }

  /**
   * The link accepted chunk `i` at `now` (a no-op if an ACK already reported it held); `sample` false: no RTT
   * sample from it; `wire`: the bytes of its frame that count against the wire budget.
   */
  sent(i: number, now: number, sample = true, wire = 0): void {
    const f = this.flight.get(i);
    if (f === undefined) return;
    f.tx = ++this.txCounter;
    f.sentAt = now;
    f.sends++;
    f.sample = sample;
    f.wire = wire;
  }

  /** Apply an ACK at `now`. */
  ack(msg: AckMsg, now: number): AckOutcome {
    const r = readAck(msg, this.chunk, this.size);
    if (r === undefined) return { rttSamples: [], newlyHeld: 0, lost: 0, valid: false };
    const samples: number[] = [];
    let newly = 0;
    let highestTx = 0;
    const take = (i: number): void => {
      if (this.held[i] === 1) return;
      const f = this.flight.get(i);
      if (f !== undefined && f.sentAt !== undefined) {
        if (f.sends === 1 && f.sample !== false) samples.push(now - f.sentAt);
        highestTx = Math.max(highestTx, f.tx);
      }
      this.hold(i);
      newly++;
    };
    for (let i = this.base; i < r.cumChunks; i++) take(i);
    for (const i of r.extra) take(i);
    this.base = this.skipHeld(this.base);
    let lost = 0;
    for (const [i, f] of this.flight) {
      if (!f.lost && f.sentAt !== undefined && f.tx + DUP_THRESHOLD <= highestTx) {
        f.lost = true;
        this.queueLost(i);
        lost++;
      }
    }
    return { rttSamples: samples, newlyHeld: newly, lost, valid: true };
  }

  /** Transmission number of the latest chunk sent (0 before any). */
  get lastTx(): number {
    return this.txCounter;
  }

  /**
   * The target says it lacks chunks although it saw a frame sent after
   * transmission `tx` (its EAGAIN to an END): on an in-order link every chunk
   * sent up to `tx` and still not held is lost. Queues them for repeat; returns how many.
   */
  lostBefore(tx: number): number {
    let n = 0;
    for (const [i, f] of this.flight) {
      if (!f.lost && f.sentAt !== undefined && f.tx <= tx) {
        f.lost = true;
        this.queueLost(i);
        n++;
      }
    }
    return n;
  }

  /** Mark every chunk sent at or before `now - rto` as lost; returns how many. */
  expire(now: number, rto: number): number {
    let n = 0;
    for (const [i, f] of this.flight) {
      if (!f.lost && f.sentAt !== undefined && f.sentAt + rto <= now) {
        f.lost = true;
        this.queueLost(i);
        n++;
      }
    }
    return n;
  }

  /** Earliest time a chunk in flight expires, or Infinity. */
  nextExpiry(rto: number): number {
    let t = Infinity;
    for (const f of this.flight.values()) if (!f.lost && f.sentAt !== undefined) t = Math.min(t, f.sentAt + rto);
    return t;
  }

  /** True if there is something `take` would return now. */
  get canSend(): boolean {
    if (this.lostQueue.some((i) => this.held[i] !== 1)) return true;
    return this.opens(this.skipHeld(this.nextNew));
  }

  private hold(i: number): void {
    if (this.held[i] === 1) return;
    this.held[i] = 1;
    this.heldCount++;
    this.flight.delete(i);
  }

  private queueLost(i: number): void {
    let at = this.lostQueue.length;
    while (at > 0 && this.lostQueue[at - 1]! > i) at--;
    if (this.lostQueue[at - 1] !== i) this.lostQueue.splice(at, 0, i);
  }

  private skipHeld(i: number): number {
    let j = i;
    while (j < this.total && this.held[j] === 1) j++;
    return j;
  }
}
