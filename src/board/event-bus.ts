/**
 * Where the board's events go, and the rate limit on the way out.
 *
 * `coalesceProgress(windowMs, scheduler)`: progress events are throttled to at
 * most one per window, and the one delivered is always the latest (a leading
 * event when the window is open, else the newest pending one at the window's
 * end). Every other event passes at once and is never dropped; a pending
 * progress event is delivered just before it, so order is kept (no progress
 * after its own `complete`). Per subscriber, the operator holds at most one
 * progress event: a fast link never floods a slow consumer, and a consumer
 * that falls behind gets the latest progress, never a queue.
 */
import { defer, Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { BoardEvent, BoardEventType, EventFields, Phase } from './events.js';

export function coalesceProgress(windowMs: number, scheduler: SchedulerLike) {
  return (source: Observable<BoardEvent>): Observable<BoardEvent> =>
    new Observable<BoardEvent>((sub) => {
      let pending: BoardEvent | undefined;
      let timer: Subscription | undefined;
      let lastEmit = -Infinity;
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (pending === undefined) return;
        const e = pending;
        pending = undefined;
        lastEmit = scheduler.now();
        sub.next(e);
      };
      const upstream = source.subscribe({
        next: (e) => {
          if (e.type !== 'provisioning.progress') {
            flush();
            sub.next(e);
            return;
          }
          pending = e;
          if (timer !== undefined) return;
          const wait = lastEmit + windowMs - scheduler.now();
          if (wait <= 0) flush();
          else timer = scheduler.schedule(flush, wait);
        },
        error: (err: unknown) => {
          flush();
          sub.error(err);
        },
        complete: () => {
          flush();
          sub.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        upstream.unsubscribe();
      };
    });
}

/** Default progress window: 10 updates a second is plenty for a human or a log. */
export const DEFAULT_PROGRESS_WINDOW_MS = 100;

export class EventBus {
  private readonly raw = new Subject<BoardEvent>();
  /** Every event, unthrottled (tests, logs that want all progress). */
  readonly all$: Observable<BoardEvent> = this.raw.asObservable();
  /** Every event, progress coalesced per subscriber (see coalesceProgress). */
  readonly events$: Observable<BoardEvent>;

  constructor(
    private readonly scheduler: SchedulerLike,
    windowMs = DEFAULT_PROGRESS_WINDOW_MS,
  ) {
    this.events$ = defer(() => this.raw.pipe(coalesceProgress(windowMs, scheduler)));
  }

  emit<T extends BoardEventType>(type: T, pid: number, phase: Phase, fields: EventFields<T>): void {
    this.raw.next({ type, pid, phase, timestamp: this.scheduler.now(), ...fields } as unknown as BoardEvent);
  }

  complete(): void {
    this.raw.complete();
  }
}
