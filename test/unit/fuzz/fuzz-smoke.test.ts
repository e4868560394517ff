/**
 * Every fuzz target (test/fuzz, `npm run fuzz`) with a few hundred cases, so
 * the unit tier catches a regression in any hostile-input invariant: a case
 * that throws an untyped error, breaks a round trip, lets a buffer pass its
 * cap, or takes longer than the bound fails here with the seed to replay it.
 * The seed is fixed so a failure here is reproducible as printed.
 */
import { describe, expect, it } from 'vitest';
import { runTarget } from '../../fuzz/harness.js';
import { TARGETS } from '../../fuzz/targets.js';

/** Cases per target: about 3,000 in all. */
const CASES: Record<string, number> = { frame: 500, can: 400, cobs: 500, messages: 500, hxe: 400, bundle: 300, manifest: 300, candump: 300, codec: 300 };
const SEED = 13;

describe('fuzz smoke (npm run fuzz, few cases)', () => {
  it('covers every target', () => {
    expect(TARGETS.map((t) => t.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const t of TARGETS) {
    it(`${t.name}: ${t.what}`, async () => {
      const r = await runTarget(t, { seed: SEED, cases: CASES[t.name] ?? 300, maxCaseMs: 1000, maxHeapDeltaBytes: 64 * 1048576 });
      expect(r.failure, r.failure).toBeUndefined();
      expect(r.cases).toBe(CASES[t.name]);
      // the generators reach both outcomes: some cases pass every check, some are rejected
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.rejected).toBeGreaterThan(0);
    });
  }
});
