import { afterEach, describe, expect, it } from 'vitest';
import { Rig, image, sha256Hex } from './transfer-harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('transfer over the emulated UART', () => {
  it('moves an image bit-exact with no faults', async () => {
    rig = new Rig();
    const img = image(64 * 1024 + 123);
    const r = await rig.result(img);
    expect(sha256Hex(rig.received())).toBe(sha256Hex(img));
    expect(r.sha256).toBe(sha256Hex(img));
    expect(r.counters.retransmits).toBe(0);
    expect(r.counters.bytesSent).toBe(img.length);
    console.log(r, rig.clock.now);
  });
});
