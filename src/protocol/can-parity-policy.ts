/**
 * How much segment parity a CAN sender adds (docs/protocol.md section 5.5):
 * from the measured fate of DATA frames (delivered or lost) it estimates the
 * CAN frame loss rate q, then picks the group size k (or none) that maximises
 * the expected goodput
 *
 *   P_ok(q, k, n) / (n + c · groups(k, n))
 *
 * for a frame of n data segments, where a parity segment costs c data
 * segments of bus time (a 29-bit parity frame is about 1.18 times an 11-bit
 * data frame). With no loss it picks none, so a clean link pays nothing;
 * when loss appears it adds parity; when the loss goes away it drops it again.
 */
import { PARITY_GROUP_SIZES, codesFrame } from './can-parity.js';

/** Weight of one DATA frame's fate in the loss average. */
const EWMA = 1 / 16;
/** Fates between two decisions. */
const DECIDE_EVERY = 8;
/** A new group size must promise this much more goodput than the current one. */
const HYSTERESIS = 1.03;

/** P(at most one of m independent segments lost). */
function atMostOne(q: number, m: number): number {
  return (1 - q) ** m + m * q * (1 - q) ** (m - 1);
}

/** Probability a frame of n data segments arrives (or is rebuilt) with group size k (0: no parity). */
export function frameSurvival(q: number, k: number, n: number): number {
  if (!codesFrame(n, k)) return (1 - q) ** n;
  // Segment 0 says how long the frame is, so it cannot be rebuilt; without group 0's parity the rest of group 0
  // must arrive; every group may lose one of its other segments + parity.
  let p = (1 - q) * ((1 - q) * atMostOne(q, k - 1) + q * (1 - q) ** (k - 1));
  for (let from = k; from < n; from += k) p *= atMostOne(q, Math.min(k, n - from) + 1);
  return p;
}

/** Expected goodput per data segment of bus time, relative. */
export function codedGoodput(q: number, k: number, n: number, parityCost: number): number {
  const groups = codesFrame(n, k) ? Math.ceil(n / k) : 0;
  return frameSurvival(q, k, n) / (n + parityCost * groups);
}

/** The CAN frame loss rate q for which frames of n segments are lost at rate `frameLoss` under group size k. */
export function estimateSegmentLoss(frameLoss: number, k: number, n: number): number {
  let lo = 0;
  let hi = 0.5;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (1 - frameSurvival(mid, k, n) < frameLoss) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The group size (0 = none) with the best expected goodput at segment loss q. */
export function bestGroupSize(q: number, n: number, parityCost: number): number {
  let best = 0;
  let bestRate = codedGoodput(q, 0, n, parityCost);
  for (const k of PARITY_GROUP_SIZES) {
    const r = codedGoodput(q, k, n, parityCost);
    if (r > bestRate) {
      best = k;
      bestRate = r;
    }
  }
  return best;
}

export class ParityPolicy {
  /** Group size in use (0: no parity). */
  k = 0;
  /** Average fraction of DATA frames lost, under the current k. */
  private loss = 0;
  private fates = 0;

  /** @param parityCost bus time of a parity segment in data segments */
  constructor(readonly parityCost: number) {}

  /** `delivered` and `lost` DATA frames of `segments` data segments each; may change k. */
  record(delivered: number, lost: number, segments: number): void {
    for (let i = 0; i < lost; i++) this.loss += EWMA * (1 - this.loss);
    for (let i = 0; i < delivered; i++) this.loss -= EWMA * this.loss;
    this.fates += delivered + lost;
    if (this.fates < DECIDE_EVERY || segments < 2) return;
    this.fates = 0;
    const q = estimateSegmentLoss(this.loss, this.k, segments);
    const best = bestGroupSize(q, segments, this.parityCost);
    if (best === this.k) return;
    if (codedGoodput(q, best, segments, this.parityCost) < HYSTERESIS * codedGoodput(q, this.k, segments, this.parityCost)) return;
    this.k = best;
    // Carry the estimate over: the loss the new k should see at the same q.
    this.loss = 1 - frameSurvival(q, best, segments);
  }

  /** Forget what was measured (a new peer). */
  reset(): void {
    this.k = 0;
    this.loss = 0;
    this.fates = 0;
  }
}
