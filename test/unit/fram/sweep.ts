/**
 * The exhaustive power-cut sweep: run an operation on a copy of a FRAM once
 * per byte it writes, cutting power after 0, 1, ..., N-1 bytes (every write
 * boundary and every torn point inside a write), reboot from the FRAM and
 * check it. Returns N, the number of cut points.
 */
import { expect } from 'vitest';
import { FramError } from '../../../src/fram/errors.js';
import { Fram } from '../../../src/fram/fram.js';
import { MemoryFramDevice } from '../../../src/fram/memory-device.js';

export function sweep(base: Uint8Array, op: (fram: Fram) => void, checkAfter: (rebooted: Fram, cut: number) => void): number {
  const probe = new MemoryFramDevice(base.slice());
  op(Fram.open(probe));
  const total = probe.stats.bytesWritten;
  for (let cut = 0; cut < total; cut++) {
    const store = base.slice();
    const fram = Fram.open(new MemoryFramDevice(store, { cutPowerAfterBytes: cut }));
    let failure: unknown = null;
    try {
      op(fram);
    } catch (e) {
      failure = e;
    }
    expect(failure, `cut at byte ${cut} of ${total}`).toBeInstanceOf(FramError);
    expect((failure as FramError).code).toBe('power_failure');
    checkAfter(Fram.open(new MemoryFramDevice(store)), cut);
  }
  // and with no cut at all
  const store = base.slice();
  op(Fram.open(new MemoryFramDevice(store)));
  checkAfter(Fram.open(new MemoryFramDevice(store)), total);
  return total;
}

/** No finding a power cut cannot explain. */
export function expectOnlyExplainable(fram: Fram, cut: number): void {
  const errors = fram.map().findings.filter((f) => f.severity === 'error');
  expect(errors, `cut at byte ${cut}`).toEqual([]);
}
