import { describe, expect, it } from 'vitest';
import { ParityPolicy, bestGroupSize, estimateSegmentLoss, frameSurvival } from '../../../src/protocol/can-parity-policy.js';

const N = 35; // segments of a DATA frame with a 256-byte chunk
const COST = 131 / 111;

describe('parity policy (docs/protocol.md 5.5)', () => {
  it('models survival: no parity is (1-q)^n; parity beats it under loss', () => {
    expect(frameSurvival(0.01, 0, N)).toBeCloseTo(0.99 ** N, 12);
    expect(frameSurvival(0, 4, N)).toBe(1);
    expect(frameSurvival(0.05, 4, N)).toBeGreaterThan(0.7);
    expect(frameSurvival(0.05, 0, N)).toBeLessThan(0.17);
  });

  it('inverts the model: the frame loss a segment loss rate causes gives that rate back', () => {
    for (const k of [0, 4, 16]) expect(estimateSegmentLoss(1 - frameSurvival(0.03, k, N), k, N)).toBeCloseTo(0.03, 6);
  });

  it('picks no parity on a clean link, some under loss, more under more loss', () => {
    expect(bestGroupSize(0, N, COST)).toBe(0);
    expect(bestGroupSize(0.0005, N, COST)).toBe(0);
    const at1 = bestGroupSize(0.01, N, COST);
    const at5 = bestGroupSize(0.05, N, COST);
    expect(at1).toBeGreaterThan(0);
    expect(at5).toBeGreaterThan(0);
    expect(at5).toBeLessThan(at1);
  });

  it('adds parity when DATA frames get lost and drops it again when the link is clean', () => {
    const p = new ParityPolicy(COST);
    for (let i = 0; i < 8; i++) p.record(1, 0, N);
    expect(p.k).toBe(0);
    for (let i = 0; i < 4; i++) p.record(6, 2, N); // 25 % of frames lost: about 0.8 % of segments
    expect(p.k).toBeGreaterThan(0);
    for (let i = 0; i < 40; i++) p.record(8, 0, N);
    expect(p.k).toBe(0);
  });
});
