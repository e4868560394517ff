/**
 * A restartable one-shot timer on an injected RxJS scheduler, so every
 * timeout runs in virtual time under test.
 */
import type { SchedulerLike, Subscription } from 'rxjs';

export class Timer {
  private sub: Subscription | undefined;
  /** Scheduler time the timer fires at (Infinity when idle). */
  due = Infinity;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** (Re)arm: run `fn` after `delayMs`; replaces any pending run. */
  set(delayMs: number, fn: () => void): void {
    this.clear();
    const d = Math.max(0, delayMs);
    this.due = this.scheduler.now() + d;
    this.sub = this.scheduler.schedule(() => {
      this.sub = undefined;
      this.due = Infinity;
      fn();
    }, d);
  }

  get armed(): boolean {
    return this.sub !== undefined;
  }

  clear(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.due = Infinity;
  }
}
