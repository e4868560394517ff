/**
 * The emulator's wire: bounded transmit queues feeding one medium.
 *
 * A UART direction is a wire with one queue; a CAN bus is one wire shared by
 * both sides' queues, where the lower identifier wins arbitration. A unit
 * occupies its queue from acceptance until its transmission ends; a send that
 * does not fit waits (back-pressure). Transmission of the next unit starts at
 * max(wire free, unit ready), computed on the link's own timeline.
 */
import type { EventHandle, Timeline } from './emulator-timeline.js';

/** A unit accepted into a transmit queue. */
export interface QueuedUnit<U> {
  readonly unit: U;
  readonly size: number;
  /** Time (ms) the unit entered the queue. */
  readonly readyAt: number;
}

interface WaitingSend<U> {
  readonly unit: U;
  readonly size: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * One side's bounded transmit queue (bytes for a UART FIFO, frames for CAN
 * mailboxes). A unit larger than the whole queue is accepted once the queue is empty.
 */
export class TxQueue<U> {
  readonly items: QueuedUnit<U>[] = [];
  private used = 0;
  private readonly waiting: WaitingSend<U>[] = [];
  /** Called when units become ready to transmit, with the time they became ready. */
  onReady: (time: number) => void = () => undefined;

  constructor(
    readonly capacity: number,
    private readonly sizeOf: (unit: U) => number,
  ) {}

  /** Queue `unit`; resolves once it is in the queue. */
  offer(unit: U, now: number): Promise<void> {
    const size = this.sizeOf(unit);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ unit, size, resolve, reject });
      if (this.admit(now)) this.onReady(now);
    });
  }

  /** Remove a unit whose transmission ended, freeing its space and admitting waiting sends at `time`. */
  remove(item: QueuedUnit<U>, time: number): void {
    const i = this.items.indexOf(item);
    if (i < 0) return;
    this.items.splice(i, 1);
    this.used -= item.size;
    this.admit(time);
  }

  /** Reject every waiting send and drop queued units except `keep` (the one on the wire). Returns units dropped. */
  flush(error: unknown, keep?: QueuedUnit<U>): number {
    for (const w of this.waiting.splice(0)) w.reject(error);
    const dropped = this.items.filter((it) => it !== keep);
    this.items.length = 0;
    this.used = 0;
    if (keep !== undefined) {
      this.items.push(keep);
      this.used = keep.size;
    }
    return dropped.length;
  }

  private admit(time: number): boolean {
    let admitted = false;
    for (;;) {
      const w = this.waiting[0];
      if (w === undefined) break;
      if (this.items.length > 0 && this.used + w.size > this.capacity) break;
      this.waiting.shift();
      this.items.push({ unit: w.unit, size: w.size, readyAt: time });
      this.used += w.size;
      admitted = true;
      w.resolve();
    }
    return admitted;
  }
}

/** A unit that finished transmission: which side sent it and when it left the wire. */
export type TransmittedHandler<U> = (side: number, unit: U, endTime: number, durationMs: number) => void;

/**
 * A medium carrying one unit at a time from any of its queues: the two
 * sides of a point-to-point link, or every node of the emulator bus (queues
 * added as nodes attach). Among the units ready when the medium becomes
 * free, the one `wins` prefers goes first, as arbitration does on CAN.
 */
export class Wire<U> {
  private readonly queues: TxQueue<U>[] = [];
  private current: { side: number; item: QueuedUnit<U>; handle: EventHandle } | undefined;
  private freeAt = -Infinity;
  private stopped = false;
  private kickPending = false;

  /**
   * @param durationMs wire time of a unit
   * @param wins arbitration: true if `a` beats `b` (only consulted when several queues have a unit ready)
   */
  constructor(
    private readonly timeline: Timeline,
    queues: readonly TxQueue<U>[],
    private readonly durationMs: (unit: U) => number,
    private readonly wins: (a: U, b: U) => boolean,
    private readonly transmitted: TransmittedHandler<U>,
  ) {
    for (const q of queues) this.add(q);
  }

  /** Add a transmit queue (a node attaching to a bus); returns its side index. */
  add(queue: TxQueue<U>): number {
    this.queues.push(queue);
    // Start on the timeline, not synchronously: units offered at the same instant all
    // take part in arbitration, as frames pending at the same start of frame do on a bus.
    queue.onReady = (t) => this.kickAt(t);
    return this.queues.length - 1;
  }

  /** The unit `side` has on the wire right now, if any. */
  onWire(side: number): QueuedUnit<U> | undefined {
    return this.current?.side === side ? this.current.item : undefined;
  }

  /** Stop for good: the unit on the wire never arrives. */
  stop(): void {
    this.stopped = true;
    this.current?.handle.cancel();
    this.current = undefined;
  }

  private kickAt(time: number): void {
    if (this.kickPending || this.current !== undefined || this.stopped) return;
    this.kickPending = true;
    this.timeline.at(time, (t) => {
      this.kickPending = false;
      this.kick(t);
    });
  }

  private kick(time: number): void {
    if (this.current !== undefined || this.stopped) return;
    let earliest = Infinity;
    for (const q of this.queues) earliest = Math.min(earliest, q.items[0]?.readyAt ?? Infinity);
    if (earliest === Infinity) return;
    const start = Math.max(time, this.freeAt, earliest);
    let side = -1;
    let best: QueuedUnit<U> | undefined;
    this.queues.forEach((q, i) => {
      const head = q.items[0];
      if (head === undefined || head.readyAt > start) return;
      if (best === undefined || this.wins(head.unit, best.unit)) {
        best = head;
        side = i;
      }
    });
    if (best === undefined) return;
    const item = best;
    const duration = this.durationMs(item.unit);
    const end = start + duration;
    this.freeAt = end;
    const handle = this.timeline.at(end, (t) => {
      this.current = undefined;
      this.queues[side]?.remove(item, t);
      this.transmitted(side, item.unit, t, duration);
      this.kick(t);
    });
    this.current = { side, item, handle };
  }
}
