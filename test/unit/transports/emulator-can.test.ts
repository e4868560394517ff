import { describe, expect, it } from 'vitest';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import { canFrameSeconds } from '../../../src/transports/line-cost.js';
import type { CanFrame } from '../../../src/transports/types.js';
import { VirtualClock } from './virtual-time.js';

const f = (id: number, data: number[], extended = false): CanFrame => ({ id, extended, fd: false, data: Uint8Array.from(data) });
const ms = (frame: CanFrame, bitRate = 500_000): number => canFrameSeconds(frame, { bitRate }) * 1000;

describe('emulator CAN bus', () => {
  it('delivers a frame after its exact bit time plus latency', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 500_000, latencyMs: 1, scheduler: clock.scheduler });
    const got: Array<[CanFrame, number]> = [];
    link.target.rx$.subscribe((fr) => got.push([fr, clock.now]));
    const frame = f(0, []); // 53 bits (see line-cost test): 0.106 ms at 500 kbit/s
    await link.host.send(frame);
    await clock.runAll();
    expect(got).toHaveLength(1);
    expect(got[0]?.[1]).toBeCloseTo(0.106 + 1, 9);
    expect(got[0]?.[0]).toEqual(frame);
    expect(got[0]?.[0].data).not.toBe(frame.data); // the link copies: the sender may reuse its buffer
  });

  it('shares one bus: both directions take turns, lower id wins arbitration', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 500_000, scheduler: clock.scheduler });
    const order: Array<[number, number]> = [];
    link.target.rx$.subscribe((fr) => order.push([fr.id, clock.now]));
    link.host.rx$.subscribe((fr) => order.push([fr.id, clock.now]));
    const hostFrame = f(0x200, [1, 2, 3, 4, 5, 6, 7, 8]);
    const targetFrame = f(0x100, [8, 7, 6, 5, 4, 3, 2, 1]);
    await Promise.all([link.host.send(hostFrame), link.target.send(targetFrame)]);
    await clock.runAll();
    expect(order.map(([id]) => id)).toEqual([0x100, 0x200]);
    expect(order[0]?.[1]).toBeCloseTo(ms(targetFrame), 9);
    expect(order[1]?.[1]).toBeCloseTo(ms(targetFrame) + ms(hostFrame), 9); // waited for the bus
  });

  it('a standard frame beats an extended frame with the same base id', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 1_000_000, scheduler: clock.scheduler });
    const order: boolean[] = [];
    link.target.rx$.subscribe((fr) => order.push(fr.extended));
    link.host.rx$.subscribe((fr) => order.push(fr.extended));
    await Promise.all([link.host.send(f(0x123 << 18, [1], true)), link.target.send(f(0x123, [1]))]);
    await clock.runAll();
    expect(order).toEqual([false, true]);
  });

  it('keeps each side FIFO and applies back-pressure on its mailboxes', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 500_000, txQueueFrames: 2, scheduler: clock.scheduler });
    const ids: number[] = [];
    link.target.rx$.subscribe((fr) => ids.push(fr.id));
    const frames = [5, 4, 3, 2, 1].map((id) => f(id, [id]));
    let accepted = 0;
    const sender = (async () => {
      for (const fr of frames) {
        await link.host.send(fr);
        accepted++;
      }
    })();
    await clock.advanceTo(0);
    expect(accepted).toBe(2); // two mailboxes, the third send waits
    await clock.until(sender);
    await clock.runAll();
    expect(ids).toEqual([5, 4, 3, 2, 1]);
    const total = frames.reduce((t, fr) => t + ms(fr), 0);
    expect(clock.now).toBeGreaterThanOrEqual(total - 1e-9);
    expect(link.stats.toTarget.wireMs).toBeCloseTo(total, 9);
  });

  it('carries CAN FD frames with the data-phase rate and rejects invalid frames', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 500_000, dataBitRate: 2_000_000, fd: true, scheduler: clock.scheduler });
    expect(link.host.framing).toBe('can');
    expect(link.host.fd).toBe(true);
    const frame: CanFrame = { id: 0x10, extended: false, fd: true, data: new Uint8Array(64).fill(0x55) };
    const at: number[] = [];
    link.target.rx$.subscribe(() => at.push(clock.now));
    await link.host.send(frame);
    await clock.runAll();
    expect(at[0]).toBeCloseTo(canFrameSeconds(frame, { bitRate: 500_000, dataBitRate: 2_000_000 }) * 1000, 9);
    await expect(link.host.send({ ...frame, data: new Uint8Array(9) })).rejects.toMatchObject({ code: 'invalid_can_frame' });
    await expect(link.host.send(f(0x800, []))).rejects.toMatchObject({ code: 'invalid_can_frame' });
    const classic = createEmulatedLink({ mode: 'can', bitRate: 500_000, scheduler: clock.scheduler });
    await expect(classic.host.send(frame)).rejects.toMatchObject({ code: 'invalid_can_frame' });
  });
});
