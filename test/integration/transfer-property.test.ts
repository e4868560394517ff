import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHilbridgeError } from '../../src/errors.js';
import { Rig, image, sha256Hex } from './transfer-harness.js';

/**
 * For any seeded fault schedule within the bounds, a transfer ends
 * either with the target holding exactly the image, or with a typed error;
 * never with a wrong image accepted.
 */
describe('transfer under arbitrary fault schedules', () => {
  it('is bit-exact or a clear typed failure, never silently wrong', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
          lossEvery: fc.option(fc.integer({ min: 3, max: 20 }), { nil: undefined }),
          corrupt: fc.double({ min: 0, max: 0.1, noNaN: true }),
          duplicate: fc.double({ min: 0, max: 0.2, noNaN: true }),
          reorder: fc.double({ min: 0, max: 0.2, noNaN: true }),
          size: fc.integer({ min: 1, max: 24 * 1024 }),
          maxFrame: fc.constantFrom(256, 1044, 4116),
        }),
        async ({ seed, size, maxFrame, ...faults }) => {
          const rig = new Rig({ faults, seed, maxFrame });
          const img = image(size, seed);
          try {
            const r = await rig.result(img);
            expect(r.sha256).toBe(sha256Hex(img));
            expect(sha256Hex(rig.received())).toBe(sha256Hex(img));
          } catch (e) {
            expect(isHilbridgeError(e), String(e)).toBe(true);
            if (!isHilbridgeError(e)) return;
            expect(['peer_timeout', 'session_timeout']).toContain(e.code);
            // the target may have committed before its DONE got lost: then it must be the exact image
            if ((await rig.sink.status()).state === 'committed') expect(sha256Hex(rig.received())).toBe(sha256Hex(img));
          } finally {
            await rig.dispose();
          }
        },
      ),
      { numRuns: 25, seed: 20240601 },
    );
  });
});
