/** Session ids of new transfers: in range, and not reused by a later transfer of the same image. */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { newSessionId } from '../../../../src/protocol/engine/host-transfer.js';

describe('newSessionId', () => {
  it('is 1..65535 and differs between transfers of one image, at one moment or later', () => {
    const sha = new Uint8Array(32).fill(0xff);
    const clock = new VirtualTimeScheduler();
    const ids = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const id = newSessionId(sha, clock);
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThanOrEqual(0xffff);
      ids.add(id);
    }
    expect(ids.size).toBe(100);
    clock.schedule(() => undefined, 12_345);
    clock.flush(); // 12.3 s later (a new `flash` process starts its counter again, the clock has moved on)
    expect(ids.has(newSessionId(sha, clock))).toBe(false);
  });
});
