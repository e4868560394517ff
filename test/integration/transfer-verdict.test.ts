/**
 * The target's verdict on an image it completes by itself. When END arrived
 * before every byte (EAGAIN), the target verifies as soon as the last missing
 * chunk lands and answers under that DATA frame's seq (docs/protocol.md 4,
 * 5.1): a failure there must reach the host as the target's own error, not be
 * dropped as an unmatched reply (the host then re-sent END, got ESRCH, began
 * again and, after 8 rounds, blamed the link: "the target keeps losing the
 * session").
 */
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesImageReader } from '../../src/image/reader.js';
import { transfer } from '../../src/protocol/engine/index.js';
import { Rig, image } from './transfer-harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('a verdict the target reaches on its own', () => {
  it.each([1, 2, 3, 4, 5, 6])('a CRC-32 the bytes do not match fails with crc_mismatch, whichever frame completed the image (seed %i)', async (seed) => {
    rig = new Rig({ faults: { loss: 0.3, direction: 'toTarget' }, seed, maxFrame: 1024 + 20 });
    const bytes = image(24 * 1024, seed);
    const honest = bytesImageReader(bytes);
    const lying = { ...honest, crc32: (honest.crc32 ^ 1) >>> 0 }; // BEGIN announces a CRC the bytes do not have
    const peer = await rig.connect();
    const run = lastValueFrom(transfer(rig.host, lying, { scheduler: rig.clock.scheduler, peer }).pipe(toArray()));
    await expect(rig.clock.until(run)).rejects.toMatchObject({ code: 'crc_mismatch' });
    expect(rig.target.counters.sessionsBegun, 'the first verdict ends the transfer: no second BEGIN').toBe(1);
  });
});
