/**
 * How long the host's control requests wait (docs/protocol.md 7.1).
 *
 * Each channel has one round-trip estimate (RFC 6298, rto.ts), owned by the
 * channel's reply matcher (host-replies.ts) so every request and transfer on
 * the channel shares it. It is fed by requests answered on their first try
 * (Karn's rule: a reply to a repeated request says nothing certain about the
 * round trip) and by the transfer's acknowledged chunks.
 *
 * A request's first try waits its floor (the `--timeout`) before the channel
 * has a sample, max(floor, RTO) after; each further try waits twice as long
 * as the one before (at most MAX_WAIT, or the floor if that is longer). A try
 * that goes unanswered backs the estimate off, and the back-off is kept until
 * the next sample, so a link found slow starts the next request higher.
 */
import { RTO_DEFAULTS, RtoEstimator } from './rto.js';

export const REQUEST_DEFAULTS = {
  /** First try's wait before the channel has a round-trip sample, and the least wait of any try, ms. */
  timeoutMs: 500,
  /** Tries before peer_timeout; with the doubling waits the default gives up after 500+1000+2000+4000 = 7500 ms. */
  tries: 4,
  /** Longest wait of one try, ms (the transfer's maximum RTO). */
  maxWaitMs: RTO_DEFAULTS.maxRtoMs,
} as const;

/** The round-trip estimate of one channel, for its requests. */
export class ChannelRtt {
  private readonly estimator = new RtoEstimator();
  /** Tries that went unanswered since the last sample (before the first sample, the estimator's own RTO means nothing yet). */
  private backoffs = 0;
  private count = 0;

  /** Samples taken so far. */
  get samples(): number {
    return this.count;
  }

  /** Smoothed round trip, ms (undefined before the first sample). */
  get smoothedRtt(): number | undefined {
    return this.estimator.smoothedRtt;
  }

  /** One round trip of a request answered on its first try, or of a chunk sent once; ms. */
  sample(ms: number): void {
    this.estimator.sample(ms);
    this.backoffs = 0;
    this.count++;
  }

  /** A try went unanswered: back off until the next sample. */
  expired(): void {
    this.estimator.backoff();
    this.backoffs++;
  }

  /** The first try's wait of a request whose least wait is `floorMs`. */
  firstWait(floorMs: number): number {
    const cap = Math.max(floorMs, REQUEST_DEFAULTS.maxWaitMs);
    if (this.estimator.smoothedRtt === undefined) return Math.min(floorMs * 2 ** this.backoffs, cap);
    return Math.min(Math.max(floorMs, this.estimator.rto), cap);
  }
}

/** The wait of try `n` (1, 2, ...) of a request whose first try waits `firstMs`: doubling, at most max(firstMs, MAX_WAIT). */
export function tryWait(firstMs: number, n: number): number {
  return Math.min(firstMs * 2 ** (n - 1), Math.max(firstMs, REQUEST_DEFAULTS.maxWaitMs));
}

/** How long a request whose first try waits `firstMs` waits in all when nothing answers its `tries` tries, ms. */
export function silentBudgetMs(firstMs: number, tries: number = REQUEST_DEFAULTS.tries): number {
  let total = 0;
  for (let n = 1; n <= tries; n++) total += tryWait(firstMs, n);
  return total;
}
