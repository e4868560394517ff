import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import { VirtualClock } from './virtual-time.js';

const BYTE_MS_115200 = (10 / 115200) * 1000;

function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

describe('emulator timing (byte stream)', () => {
  it('delivers a 1000-byte unit at 115200 8N1 after 86.8 ms plus latency', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, latencyMs: 5, scheduler: clock.scheduler });
    const arrivals: number[] = [];
    link.target.rx$.subscribe(() => arrivals.push(clock.now));
    await link.host.send(bytes(1000, 0xaa));
    await clock.runAll();
    expect(arrivals).toHaveLength(1);
    expect(arrivals[0]).toBeCloseTo(1000 * BYTE_MS_115200 + 5, 9);
    expect(arrivals[0]).toBeCloseTo(91.806, 3);
  });

  it('keeps the wire busy for a sender that awaits each send: N units take N times as long', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({
      mode: 'bytes',
      bitRate: 115200,
      latencyMs: 20,
      txQueueBytes: 2000,
      scheduler: clock.scheduler,
    });
    const arrivals: number[] = [];
    link.target.rx$.subscribe(() => arrivals.push(clock.now));
    const sender = (async () => {
      for (let i = 0; i < 10; i++) await link.host.send(bytes(1000, i));
    })();
    await clock.until(sender);
    await clock.runAll();
    expect(arrivals).toHaveLength(10);
    arrivals.forEach((t, i) => expect(t).toBeCloseTo((i + 1) * 1000 * BYTE_MS_115200 + 20, 6));
    expect(link.stats.toTarget.wireMs).toBeCloseTo(10_000 * BYTE_MS_115200, 6);
  });

  it('is full duplex: both directions transmit at the same time', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 9600, scheduler: clock.scheduler });
    const times: Record<string, number> = {};
    link.target.rx$.subscribe(() => (times.target = clock.now));
    link.host.rx$.subscribe(() => (times.host = clock.now));
    await Promise.all([link.host.send(bytes(96, 1)), link.target.send(bytes(96, 2))]);
    await clock.runAll();
    expect(times.target).toBeCloseTo(100, 9);
    expect(times.host).toBeCloseTo(100, 9);
  });

  it('applies back-pressure: send resolves only when the unit fits in the transmit queue', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, txQueueBytes: 1000, scheduler: clock.scheduler });
    await link.host.send(bytes(1000, 1)); // fits at once
    let resolvedAt: number | undefined;
    const second = link.host.send(bytes(500, 2)).then(() => (resolvedAt = clock.now));
    await clock.advanceTo(80);
    expect(resolvedAt).toBeUndefined();
    await clock.until(second);
    expect(resolvedAt).toBeCloseTo(1000 * BYTE_MS_115200, 9);
  });

  it('accepts a unit larger than the whole queue once the queue is empty', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, txQueueBytes: 100, scheduler: clock.scheduler });
    const got: number[] = [];
    link.target.rx$.subscribe((u) => got.push(u.length));
    await clock.until(link.host.send(bytes(50, 1)));
    await clock.until(link.host.send(bytes(500, 2)));
    await clock.runAll();
    expect(got).toEqual([50, 500]);
  });

  it('keeps the computed timeline when every timer fires late (lateness does not accumulate)', async () => {
    const clock = new VirtualClock();
    const lateMs = 3;
    // A scheduler whose timers all fire 3 ms late, like a loaded real-time event loop.
    class LateScheduler implements SchedulerLike {
      now(): number {
        return clock.scheduler.now();
      }
      schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
        return clock.scheduler.schedule(work, delay + lateMs, state);
      }
    }
    const late = new LateScheduler();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, txQueueBytes: 10_000, scheduler: late });
    const got: Array<[number, number]> = [];
    link.target.rx$.subscribe((u) => got.push([u[0] ?? -1, clock.now]));
    for (let i = 0; i < 20; i++) await link.host.send(bytes(100, i));
    await clock.runAll();
    const unit = 100 * BYTE_MS_115200; // 8.68 ms
    expect(got.map(([v]) => v)).toEqual([...Array(20).keys()]);
    // Unit k is due at (k + 1) * unit; each arrives at most one timer lateness after that, never drifting further.
    got.forEach(([v, t]) => {
      expect(t).toBeGreaterThanOrEqual((v + 1) * unit - 1e-9);
      expect(t).toBeLessThanOrEqual((v + 1) * unit + lateMs + 1e-9);
    });
  });
});
