/**
 * The order in which a transfer's events reach its subscriber, whatever
 * order the wire gave: `begun` first, then `progress` and `ending`, then
 * `done`. DATA and END go out behind BEGIN before the target has answered
 * it, and that answer can be lost while later ones arrive, so without this a
 * subscriber could see `ending` (or an ACK's `progress`) before `begun`, or
 * `done` without `begun` at all.
 */
import type { Subscriber } from 'rxjs';
import type { TransferEvent } from './host-options.js';

type EventOf<K extends TransferEvent['kind']> = Extract<TransferEvent, { kind: K }>;

export class TransferEvents {
  private begun = false;
  private owedEnding: EventOf<'ending'> | undefined;

  constructor(private readonly out: Subscriber<TransferEvent>) {}

  /** Once per transfer; an `ending` that came first follows it. */
  begin(e: EventOf<'begun'>): void {
    if (this.begun) return;
    this.begun = true;
    this.out.next(e);
    if (this.owedEnding !== undefined) this.out.next(this.owedEnding);
    this.owedEnding = undefined;
  }

  /** Before `begun` a progress event is dropped: the next one, after it, says more. */
  progress(e: EventOf<'progress'>): void {
    if (this.begun) this.out.next(e);
  }

  ending(e: EventOf<'ending'>): void {
    if (this.begun) this.out.next(e);
    else this.owedEnding = e;
  }

  /** The last event; `begun` (and an owed `ending`) first if the target's answer to BEGIN never came. */
  done(e: EventOf<'done'>, begun: EventOf<'begun'>): void {
    this.begin(begun);
    this.out.next(e);
    this.out.complete();
  }
}
