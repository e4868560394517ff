/**
 * Test helper: drive a VirtualTimeScheduler step by step, letting promise
 * continuations run between steps, so code that awaits sends progresses in
 * virtual time without sleeping.
 */
import { VirtualTimeScheduler } from 'rxjs';

/** Let every queued promise continuation run (one macrotask turn; no timer, no sleep). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock {
  readonly scheduler = new VirtualTimeScheduler();

  get now(): number {
    return this.scheduler.now();
  }

  /** Run every action due up to `time` (ms), in time order, settling promises between steps; then stand at `time`. */
  async advanceTo(time: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.scheduler.actions[0];
      if (next === undefined || next.delay > time) break;
      this.scheduler.maxFrames = next.delay;
      this.scheduler.flush();
    }
    this.scheduler.frame = Math.max(this.scheduler.frame, time);
    await settle();
  }

  /** Run until nothing is scheduled, leaving the clock at the last action (bounded by `limit` ms from now). */
  async runAll(limit = 3_600_000): Promise<void> {
    const end = this.now + limit;
    for (;;) {
      await settle();
      const next = this.scheduler.actions[0];
      if (next === undefined) return;
      if (next.delay > end) throw new Error(`still busy at virtual time ${this.now} ms (limit ${limit} ms)`);
      this.scheduler.maxFrames = next.delay;
      this.scheduler.flush();
    }
  }

  /** Run until `p` settles; returns its value. Fails if it cannot settle within `limit` ms from now. */
  async until<T>(p: Promise<T>, limit = 3_600_000): Promise<T> {
    const end = this.now + limit;
    let done = false;
    const watched = p.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    for (;;) {
      await settle();
      if (done) return watched;
      const next = this.scheduler.actions[0];
      if (next === undefined || next.delay > end) throw new Error(`promise still pending at virtual time ${this.now} ms`);
      this.scheduler.maxFrames = next.delay;
      this.scheduler.flush();
    }
  }
}
