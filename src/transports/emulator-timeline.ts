/**
 * The emulator's clock: events at absolute times on an injected RxJS scheduler.
 *
 * Exactly one scheduler action is pending, for the earliest event. When it
 * fires (on time in virtual time, possibly late in real time) every event whose
 * time has come runs in (time, insertion) order, and each handler is given the
 * event's own computed time, not the late wall-clock time, so timer error never
 * accumulates into the link's timeline.
 */
import type { SchedulerLike, Subscription } from 'rxjs';

interface TimelineEvent {
  readonly time: number;
  readonly seq: number;
  readonly run: (time: number) => void;
  cancelled: boolean;
}

/** A handle to cancel one scheduled event. */
export interface EventHandle {
  cancel(): void;
}

export class Timeline {
  private readonly events: TimelineEvent[] = [];
  private seq = 0;
  private pending: Subscription | undefined;
  private pendingTime = Infinity;
  private running = false;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** Current time of the scheduler, in ms. */
  now(): number {
    return this.scheduler.now();
  }

  /** Run `run(time)` at absolute time `time` (ms, scheduler clock). Events at equal times run in the order added. */
  at(time: number, run: (time: number) => void): EventHandle {
    const event: TimelineEvent = { time, seq: this.seq++, run, cancelled: false };
    // Binary insertion keeps events sorted by (time, seq); seq grows, so ties go last.
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.events[mid];
      if (e !== undefined && e.time <= time) lo = mid + 1;
      else hi = mid;
    }
    this.events.splice(lo, 0, event);
    if (!this.running) this.arm();
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }

  /** Drop every pending event (the link is gone). */
  clear(): void {
    this.events.length = 0;
    this.pending?.unsubscribe();
    this.pending = undefined;
    this.pendingTime = Infinity;
  }

  private arm(): void {
    const first = this.events[0];
    if (first === undefined) return;
    if (this.pending !== undefined && this.pendingTime <= first.time) return;
    this.pending?.unsubscribe();
    this.pendingTime = first.time;
    const delay = Math.max(0, first.time - this.scheduler.now());
    this.pending = this.scheduler.schedule(() => this.fire(), delay);
  }

  private fire(): void {
    this.pending = undefined;
    this.pendingTime = Infinity;
    this.running = true;
    try {
      for (;;) {
        const first = this.events[0];
        if (first === undefined || first.time > this.scheduler.now()) break;
        this.events.shift();
        if (!first.cancelled) first.run(first.time);
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }
}
