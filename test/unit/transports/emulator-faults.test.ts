import { describe, expect, it } from 'vitest';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import type { ByteStreamEmulatorOptions, EmulatedLink, FaultSpec } from '../../../src/transports/emulator.js';
import type { ByteStreamTransport } from '../../../src/transports/types.js';
import { VirtualClock } from './virtual-time.js';

type Opts = Omit<ByteStreamEmulatorOptions, 'mode' | 'bitRate' | 'scheduler'>;

/** Send units 0..n-1 (4 bytes each, first byte = index) host -> target; return what arrived and the link. */
async function run(n: number, opts: Opts): Promise<{ got: Uint8Array[]; link: EmulatedLink<ByteStreamTransport> }> {
  const clock = new VirtualClock();
  const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, latencyMs: 2, scheduler: clock.scheduler, ...opts });
  const got: Uint8Array[] = [];
  link.target.rx$.subscribe({ next: (u) => got.push(u), error: () => undefined });
  const sender = (async () => {
    for (let i = 0; i < n; i++) await link.host.send(Uint8Array.of(i, 0xa5, 0x5a, i ^ 0xff));
  })();
  await clock.until(sender);
  await clock.runAll();
  return { got, link };
}

const ids = (units: Uint8Array[]): number[] => units.map((u) => u[0] ?? -1);
const range = (n: number): number[] => [...Array(n).keys()];

describe('emulator faults (seeded, deterministic)', () => {
  it('drops every Nth unit', async () => {
    const { got, link } = await run(12, { faults: { lossEvery: 5 } });
    expect(ids(got)).toEqual(range(12).filter((i) => (i + 1) % 5 !== 0));
    expect(link.stats.toTarget.dropped).toBe(2);
    expect(link.stats.toTarget.unitsSent).toBe(12);
  });

  it('enabling another fault kind does not change which units are lost (independent streams)', async () => {
    const lossOnly = ids((await run(40, { seed: 42, faults: { loss: 0.3 } })).got);
    const withDup = ids((await run(40, { seed: 42, faults: { loss: 0.3, duplicate: 0.5 } })).got);
    expect([...new Set(withDup)]).toEqual(lossOnly);
  });

  it('random loss with a fixed seed drops exactly the same units on every run', async () => {
    const spec: FaultSpec = { loss: 0.3 };
    const a = ids((await run(40, { seed: 42, faults: spec })).got);
    const b = ids((await run(40, { seed: 42, faults: spec })).got);
    const c = ids((await run(40, { seed: 43, faults: spec })).got);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const lost = range(40).filter((i) => !a.includes(i));
    expect(lost).toEqual([0, 7, 8, 9, 12, 13, 16, 28, 35, 38]);
  });

  it('corrupts by flipping exactly k bits, and counts it', async () => {
    const { got, link } = await run(10, { faults: { corrupt: 1, corruptBits: 3 } });
    expect(got).toHaveLength(10);
    got.forEach((u, k) => {
      const sent = Uint8Array.of(k, 0xa5, 0x5a, k ^ 0xff);
      let flipped = 0;
      u.forEach((b, i) => {
        let x = b ^ (sent[i] ?? 0);
        for (; x !== 0; x &= x - 1) flipped++;
      });
      expect(flipped).toBe(3);
    });
    expect(link.stats.toTarget.corrupted).toBe(10);
  });

  it('duplicates units back to back', async () => {
    const { got, link } = await run(20, { seed: 5, faults: { duplicate: 0.25 } });
    const seen = ids(got);
    const dups = seen.filter((id, i) => seen[i + 1] === id);
    expect(dups).toEqual([0, 3, 8, 12, 16]);
    expect(link.stats.toTarget.duplicated).toBe(5);
    expect(new Set(seen).size).toBe(20);
  });

  it('reorders: a held unit arrives right after the next one', async () => {
    const { got, link } = await run(20, { seed: 9, faults: { reorder: 0.2 } });
    expect(ids(got)).toEqual([0, 2, 1, 3, 4, 5, 6, 7, 9, 8, 10, 11, 12, 13, 14, 16, 15, 17, 18, 19]);
    expect(link.stats.toTarget.reordered).toBe(3);
  });

  it('releases a held unit after reorderMaxHoldMs when no successor comes', async () => {
    const { got, link } = await run(1, { faults: { reorder: 1, reorderMaxHoldMs: 30 } });
    expect(ids(got)).toEqual([0]);
    expect(link.stats.toTarget.reordered).toBe(1);
  });

  it('applies faults to one direction only', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({
      mode: 'bytes',
      bitRate: 115200,
      scheduler: clock.scheduler,
      faults: { direction: 'toTarget', loss: 1 },
    });
    const atTarget: Uint8Array[] = [];
    const atHost: Uint8Array[] = [];
    link.target.rx$.subscribe((u) => atTarget.push(u));
    link.host.rx$.subscribe((u) => atHost.push(u));
    await Promise.all([link.host.send(Uint8Array.of(1)), link.target.send(Uint8Array.of(2))]);
    await clock.runAll();
    expect(atTarget).toEqual([]);
    expect(atHost).toEqual([Uint8Array.of(2)]);
    expect(link.stats.toTarget.dropped).toBe(1);
    expect(link.stats.toHost.dropped).toBe(0);
  });

  it('rejects nonsense fault options with a UsageError', () => {
    expect(() => createEmulatedLink({ mode: 'bytes', bitRate: 9600, faults: { loss: 2 } })).toThrow(/probability/);
    expect(() => createEmulatedLink({ mode: 'bytes', bitRate: 9600, faults: { lossEvery: 0 } })).toThrow(/lossEvery/);
  });
});
