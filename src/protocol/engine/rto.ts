/**
 * Retransmission timeout from measured round-trip times, as RFC 6298:
 *   first sample R:  SRTT = R, RTTVAR = R/2
 *   later samples:   RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|,  SRTT = 7/8 SRTT + 1/8 R
 *   RTO = SRTT + max(G, 4 RTTVAR), clamped to [minRto, maxRto]
 * Karn's rule is the caller's: never sample a retransmitted chunk. On a
 * timeout the RTO doubles (back-off), bounded by maxRto, until a new sample,
 * but only after silence: loss is not congestion, so a timeout while the
 * peer's ACKs keep arriving (showing gaps) repeats without backing off.
 */

export interface RtoOptions {
  /** RTO before any sample, ms (RFC 6298: 1000). */
  readonly initialRtoMs?: number;
  readonly minRtoMs?: number;
  readonly maxRtoMs?: number;
  /** Clock granularity G, ms (default 20). */
  readonly granularityMs?: number;
}

export const RTO_DEFAULTS = {
  initialRtoMs: 1000,
  minRtoMs: 100,
  maxRtoMs: 8000,
  /** Timer granularity G: event-loop timers and OS scheduling jitter, so a steady RTT never yields an RTO a jitter away from it. */
  granularityMs: 20,
} as const;

export class RtoEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  private current: number;
  private readonly min: number;
  private readonly max: number;
  private readonly g: number;
  /** Scheduler time the peer was last heard from (an ACK or any reply), ms. */
  private lastHeard = -Infinity;

  constructor(opts: RtoOptions = {}) {
    this.min = opts.minRtoMs ?? RTO_DEFAULTS.minRtoMs;
    this.max = opts.maxRtoMs ?? RTO_DEFAULTS.maxRtoMs;
    this.g = opts.granularityMs ?? RTO_DEFAULTS.granularityMs;
    this.current = this.clamp(opts.initialRtoMs ?? RTO_DEFAULTS.initialRtoMs);
  }

  /** Current retransmission timeout, ms. */
  get rto(): number {
    return this.current;
  }

  /** Smoothed RTT, ms (undefined before the first sample). */
  get smoothedRtt(): number | undefined {
    return this.srtt;
  }

  /** Feed one RTT measurement of a chunk sent exactly once. */
  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.current = this.clamp(this.srtt + Math.max(this.g, 4 * this.rttvar));
  }

  /** The peer answered at `now` (an ACK, even one that shows gaps, or any reply of the transfer). */
  heard(now: number): void {
    this.lastHeard = Math.max(this.lastHeard, now);
  }

  /**
   * A retransmission timer expired at `now`: back off if the peer was silent
   * for the whole current RTO, not if it spoke within it (the repeat then
   * repairs a loss, which says nothing about congestion). Returns true if it backed off.
   */
  expired(now: number): boolean {
    if (now - this.lastHeard < this.current) return false;
    this.backoff();
    return true;
  }

  /** Double the RTO (bounded). */
  backoff(): void {
    this.current = this.clamp(this.current * 2);
  }

  private clamp(v: number): number {
    return Math.min(this.max, Math.max(this.min, v));
  }
}
