/**
 * The user's stop requests to long-running commands (`target`, `flash`):
 * Ctrl-C (SIGINT) and SIGTERM as an Observable. It listens only while
 * subscribed, so outside the guarded work the default (terminate at once)
 * applies again, and a second Ctrl-C during the cleanup still ends it.
 */
import { Observable, fromEvent, map, merge } from 'rxjs';
import type { StopSignal } from '../errors.js';

export type { StopSignal };

export function stopSignals(): Observable<StopSignal> {
  return merge(
    fromEvent(process, 'SIGINT').pipe(map((): StopSignal => 'SIGINT')),
    fromEvent(process, 'SIGTERM').pipe(map((): StopSignal => 'SIGTERM')),
  );
}

/**
 * `work`, failing with `error(signal)` as soon as `stop$` emits; `work` is
 * unsubscribed at that moment, so it stops sending at once.
 */
export function failOnStop<T>(work: Observable<T>, stop$: Observable<StopSignal>, error: (signal: StopSignal) => Error): Observable<T> {
  return new Observable<T>((subscriber) => {
    const subscription = stop$.subscribe((signal) => subscriber.error(error(signal)));
    subscription.add(work.subscribe(subscriber));
    return subscription;
  });
}
