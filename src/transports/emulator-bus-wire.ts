/**
 * The emulator bus's medium: one CAN bus fed by any number of transmit queues
 * (one per attached node, added as nodes attach). Exactly one frame is on the
 * wire at a time; among the frames ready when the bus becomes free, the one
 * with the lowest arbitration key wins, as on a real bus. Runs on the bus's
 * timeline, so it keeps exact time in virtual and real time alike.
 */
import type { EventHandle, Timeline } from './emulator-timeline.js';
import type { QueuedUnit, TxQueue } from './emulator-wire.js';

/** A frame that left the wire: the index of the queue it came from, and when. */
export type BusTransmitted<U> = (queue: number, unit: U, endTime: number, durationMs: number) => void;

export class BusWire<U> {
  private readonly queues: TxQueue<U>[] = [];
  private current: { queue: number; item: QueuedUnit<U>; handle: EventHandle } | undefined;
  private freeAt = -Infinity;
  private kickPending = false;
  private stopped = false;

  constructor(
    private readonly timeline: Timeline,
    private readonly durationMs: (unit: U) => number,
    private readonly wins: (a: U, b: U) => boolean,
    private readonly transmitted: BusTransmitted<U>,
  ) {}

  /** Add a node's transmit queue; returns its index. */
  add(queue: TxQueue<U>): number {
    const index = this.queues.length;
    this.queues.push(queue);
    // Start on the timeline, not synchronously: frames offered at the same
    // instant by several nodes all take part in arbitration.
    queue.onReady = (t) => this.kickAt(t);
    return index;
  }

  /** The frame queue `index` has on the wire now, if any (a close keeps it: it cannot be recalled). */
  onWire(index: number): QueuedUnit<U> | undefined {
    return this.current?.queue === index ? this.current.item : undefined;
  }

  /** Stop for good: the frame on the wire never arrives. */
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
    let index = -1;
    let best: QueuedUnit<U> | undefined;
    this.queues.forEach((q, i) => {
      const head = q.items[0];
      if (head === undefined || head.readyAt > start) return;
      if (best === undefined || this.wins(head.unit, best.unit)) {
        best = head;
        index = i;
      }
    });
    if (best === undefined) return;
    const item = best;
    const duration = this.durationMs(item.unit);
    const end = start + duration;
    this.freeAt = end;
    const handle = this.timeline.at(end, (t) => {
      this.current = undefined;
      this.queues[index]?.remove(item, t);
      this.transmitted(index, item.unit, t, duration);
      this.kick(t);
    });
    this.current = { queue: index, item, handle };
  }
}
