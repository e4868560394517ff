import { describe, expect, it } from 'vitest';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import { VirtualClock } from './virtual-time.js';

const byteMs = (rate: number): number => (10 / rate) * 1000;

function rig(maxBitRate?: number) {
  const clock = new VirtualClock();
  const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, scheduler: clock.scheduler, ...(maxBitRate === undefined ? {} : { maxBitRate }) });
  const got: { host: Uint8Array[]; target: Uint8Array[] } = { host: [], target: [] };
  link.target.rx$.subscribe((u) => got.target.push(u));
  link.host.rx$.subscribe((u) => got.host.push(u));
  return { clock, link, got };
}

describe('emulator line rates (byte stream setBaudRate)', () => {
  it('a unit sent after both ends switched takes the new rate\'s wire time and arrives intact', async () => {
    const { clock, link, got } = rig();
    await clock.until(link.host.setBaudRate!(921600));
    await clock.until(link.target.setBaudRate!(921600));
    expect(link.lineRates).toEqual({ host: 921600, target: 921600 });
    await link.host.send(new Uint8Array(1000).fill(7));
    await clock.runAll();
    expect(clock.now).toBeCloseTo(1000 * byteMs(921600), 9);
    expect(link.stats.toTarget.wireMs).toBeCloseTo(1000 * byteMs(921600), 9);
    expect(got.target).toEqual([new Uint8Array(1000).fill(7)]);
    expect(link.stats.toTarget.rateGarbled).toBe(0);
  });

  it('garbles every unit while the two ends\' rates differ, in both directions', async () => {
    const { clock, link, got } = rig();
    await clock.until(link.host.setBaudRate!(230400));
    await link.host.send(Uint8Array.of(0, 1, 0x55));
    await link.target.send(Uint8Array.of(2));
    await clock.runAll();
    expect(got.target).toEqual([Uint8Array.of(0x55, 0x54, 0)]);
    expect(got.host).toEqual([Uint8Array.of(0x57)]);
    expect(link.stats.toTarget.rateGarbled + link.stats.toHost.rateGarbled).toBe(2);
    await clock.until(link.target.setBaudRate!(230400));
    await link.target.send(Uint8Array.of(2));
    await clock.runAll();
    expect(got.host.at(-1)).toEqual(Uint8Array.of(2));
  });

  it('switches only after the units already queued have left at the old rate (drain first)', async () => {
    const { clock, link, got } = rig();
    await link.target.send(new Uint8Array(100).fill(9));
    let switchedAt = -1;
    void link.target.setBaudRate!(921600).then(() => (switchedAt = clock.now));
    await clock.until(link.host.setBaudRate!(115200));
    await clock.runAll();
    expect(switchedAt).toBeCloseTo(100 * byteMs(115200), 9);
    expect(got.host).toEqual([new Uint8Array(100).fill(9)]);
    expect(link.lineRates.target).toBe(921600);
  });

  it('garbles units above the cable\'s maxBitRate even when both ends agree', async () => {
    const { clock, link, got } = rig(460800);
    await clock.until(link.host.setBaudRate!(921600));
    await clock.until(link.target.setBaudRate!(921600));
    await link.host.send(Uint8Array.of(1, 2));
    await clock.runAll();
    expect(got.target).toEqual([Uint8Array.of(0x54, 0x57)]);
    expect(link.stats.toTarget.rateGarbled).toBe(1);
  });

  it('rejects a non-positive rate and a closed end; CAN ends have no setBaudRate', async () => {
    const { link } = rig();
    await expect(link.host.setBaudRate!(0)).rejects.toMatchObject({ code: 'bad_emulator_option' });
    await link.host.close();
    await expect(link.host.setBaudRate!(9600)).rejects.toMatchObject({ code: 'link_closed' });
    const can = createEmulatedLink({ mode: 'can', bitRate: 500_000 });
    expect('setBaudRate' in can.host).toBe(false);
    expect(() => createEmulatedLink({ mode: 'bytes', bitRate: 115200, maxBitRate: -1 })).toThrow(/maxBitRate/);
  });
});

describe('emulator marginal line', () => {
  it('garbles every Nth unit only while the sender runs above the marginal rate', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, scheduler: clock.scheduler, marginal: { bitRate: 460800, garbleEvery: 3 } });
    const got: number[] = [];
    link.target.rx$.subscribe((u) => got.push(u[0]!));
    for (let i = 0; i < 6; i++) await link.host.send(Uint8Array.of(1));
    await clock.until(link.host.setBaudRate!(921600));
    await clock.until(link.target.setBaudRate!(921600));
    for (let i = 0; i < 6; i++) await link.host.send(Uint8Array.of(1));
    await clock.runAll();
    expect(got).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0x54, 1, 1, 0x54]);
  });
});
