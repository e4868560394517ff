import { describe, expect, it } from 'vitest';
import { RtoEstimator } from '../../../../src/protocol/engine/rto.js';

describe('RtoEstimator (RFC 6298)', () => {
  it('starts at the initial RTO, clamped', () => {
    expect(new RtoEstimator().rto).toBe(1000);
    expect(new RtoEstimator({ initialRtoMs: 5, minRtoMs: 50 }).rto).toBe(50);
  });

  it('first sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR', () => {
    const e = new RtoEstimator({ minRtoMs: 1, granularityMs: 1 });
    e.sample(100);
    expect(e.smoothedRtt).toBe(100);
    expect(e.rto).toBe(300);
  });

  it('later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R', () => {
    const e = new RtoEstimator({ minRtoMs: 1, granularityMs: 1 });
    e.sample(100);
    e.sample(200);
    // rttvar = 0.75*50 + 0.25*100 = 62.5; srtt = 87.5 + 25 = 112.5; rto = 112.5 + 250
    expect(e.smoothedRtt).toBe(112.5);
    expect(e.rto).toBe(362.5);
  });

  it('uses the clock granularity when the variance vanishes', () => {
    const e = new RtoEstimator({ minRtoMs: 1, granularityMs: 10 });
    for (let i = 0; i < 200; i++) e.sample(100);
    expect(e.rto).toBeCloseTo(110, 3);
  });

  it('backs off exponentially up to the maximum, and a new sample resets it', () => {
    const e = new RtoEstimator({ initialRtoMs: 100, minRtoMs: 100, maxRtoMs: 1000 });
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      e.backoff();
      seen.push(e.rto);
    }
    expect(seen).toEqual([200, 400, 800, 1000, 1000, 1000]);
    e.sample(40);
    expect(e.rto).toBe(120);
  });

  it('loss is not congestion: a timeout backs off only after a whole RTO of silence', () => {
    const e = new RtoEstimator({ initialRtoMs: 200 });
    e.heard(1000); // an ACK that showed a gap
    expect(e.expired(1150)).toBe(false);
    expect(e.rto).toBe(200);
    expect(e.expired(1200)).toBe(true); // nothing heard for 200 ms
    expect(e.rto).toBe(400);
    expect(new RtoEstimator({ initialRtoMs: 200 }).expired(0)).toBe(true); // never heard: silence
  });
});
