import { describe, expect, it } from 'vitest';
import { LinkError, UsageError } from '../../../src/errors.js';
import { createEmulatorBus } from '../../../src/transports/emulator-bus.js';
import { canFrameSeconds } from '../../../src/transports/line-cost.js';
import type { CanFrame } from '../../../src/transports/types.js';
import { VirtualClock } from './virtual-time.js';

const f = (id: number, data: number[], extended = false): CanFrame => ({ id, extended, fd: false, data: Uint8Array.from(data) });
const ms = (frame: CanFrame, bitRate = 1_000_000): number => canFrameSeconds(frame, { bitRate }) * 1000;

function collect(bus: ReturnType<typeof createEmulatorBus>, clock: VirtualClock): Array<Array<[number, number]>> {
  return bus.nodes.map((n) => {
    const got: Array<[number, number]> = [];
    n.transport.rx$.subscribe((fr) => got.push([fr.id, clock.now]));
    return got;
  });
}

describe('emulator bus', () => {
  it('delivers a frame to every other node after its exact wire time at 1 Mbit/s, not to the sender', async () => {
    const clock = new VirtualClock();
    const bus = createEmulatorBus({ scheduler: clock.scheduler });
    for (let i = 0; i < 5; i++) bus.attach();
    const got = collect(bus, clock);
    const frame = f(0x123, [1, 2, 3, 4, 5, 6, 7, 8]);
    await bus.nodes[2]!.transport.send(frame);
    await clock.runAll();
    got.forEach((g, i) => expect(g, `node ${i}`).toEqual(i === 2 ? [] : [[0x123, ms(frame)]]));
    expect(bus.stats).toEqual({ frames: 1, busyMs: ms(frame) });
    expect(bus.nodes[2]!.stats.framesSent).toBe(1);
    expect(bus.nodes[0]!.stats.framesReceived).toBe(1);
  });

  it('gives each receiver its own copy, and the sender its own frames only when asked', async () => {
    const clock = new VirtualClock();
    const bus = createEmulatorBus({ scheduler: clock.scheduler });
    const a = bus.attach({ receiveOwn: true });
    const b = bus.attach();
    const c = bus.attach();
    const frames: CanFrame[] = [];
    for (const n of [a, b, c]) n.transport.rx$.subscribe((fr) => frames.push(fr));
    const data = Uint8Array.of(9, 9);
    await a.transport.send({ id: 5, extended: false, fd: false, data });
    data[0] = 0;
    await clock.runAll();
    expect(frames).toHaveLength(3);
    for (const fr of frames) expect([...fr.data]).toEqual([9, 9]);
    frames[0]!.data[1] = 7;
    expect(frames[1]!.data[1]).toBe(9);
  });

  it('serialises frames offered at once by many nodes, lowest identifier first, each node FIFO', async () => {
    const clock = new VirtualClock();
    const bus = createEmulatorBus({ scheduler: clock.scheduler });
    const listener = bus.attach();
    const senders = Array.from({ length: 6 }, () => bus.attach());
    const got: Array<[number, number]> = [];
    listener.transport.rx$.subscribe((fr) => got.push([fr.id, fr.data[0]!]));
    // Every sender queues two frames at t=0 with ids 0x19000000 + (k * 7 % 6), 29-bit.
    const sends = senders.flatMap((s, k) => [0, 1].map((seq) => s.transport.send(f(0x19000000 + ((k * 7) % 6), [seq], true))));
    await Promise.all(sends);
    await clock.runAll();
    expect(got).toHaveLength(12);
    // Each time the bus is free the lowest identifier ready wins: a node's second frame
    // (ready since t=0) beats every higher identifier, so the lowest node sends both first.
    expect(got.map(([id]) => id - 0x19000000)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(got.map(([, seq]) => seq)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    const total = got.reduce((t, [id, seq]) => t + ms(f(id, [seq], true)), 0);
    expect(clock.now).toBeCloseTo(total, 9); // back to back, never overlapping
  });

  it('loses frames at each node at its own rate, reproducibly by seed', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const clock = new VirtualClock();
      const bus = createEmulatorBus({ scheduler: clock.scheduler, seed });
      const sender = bus.attach();
      const rates = [0, 0.05, 0.2, 0.5];
      const nodes = rates.map((loss) => bus.attach({ loss }));
      const counts = nodes.map(() => 0);
      nodes.forEach((n, i) => n.transport.rx$.subscribe(() => counts[i]!++));
      const N = 4000;
      const sending = (async () => {
        for (let i = 0; i < N; i++) await sender.transport.send(f(0x100, [i & 0xff]));
      })();
      await clock.until(sending);
      await clock.runAll();
      nodes.forEach((n, i) => expect(n.stats.lost + counts[i]!).toBe(N));
      rates.forEach((p, i) => {
        const lossRate = nodes[i]!.stats.lost / N;
        // 4 standard deviations of a binomial proportion, and never exactly 0 where loss is set.
        expect(Math.abs(lossRate - p), `node ${i} (loss ${p}): ${lossRate}`).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / N));
        if (p > 0) expect(nodes[i]!.stats.lost).toBeGreaterThan(0);
      });
      return nodes.map((n) => n.stats.lost);
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });

  it('a slow receiver reads at its rate and overruns its bounded queue; fast ones get everything', async () => {
    const clock = new VirtualClock();
    const bus = createEmulatorBus({ scheduler: clock.scheduler });
    const sender = bus.attach();
    const fast = bus.attach();
    // Reads 1000 frames/s (1 ms each) into a 4-frame queue; the bus delivers a frame every ~0.13 ms.
    const slow = bus.attach({ rxFramesPerSecond: 1000, rxQueueFrames: 4 });
    const got: Array<[number, number]> = [];
    slow.transport.rx$.subscribe((fr) => got.push([fr.data[0]!, clock.now]));
    let fastCount = 0;
    fast.transport.rx$.subscribe(() => fastCount++);
    const frame = (i: number): CanFrame => f(0x200, [i, 0, 0, 0, 0, 0, 0, 0]);
    const sending = (async () => {
      for (let i = 0; i < 20; i++) await sender.transport.send(frame(i));
    })();
    await clock.until(sending);
    await clock.runAll();
    expect(fastCount).toBe(20);
    expect(slow.stats.overruns + slow.stats.framesReceived).toBe(20);
    expect(slow.stats.overruns).toBeGreaterThan(0);
    expect(got.slice(0, 4).map(([i]) => i)).toEqual([0, 1, 2, 3]); // the first ones fill the queue
    for (let k = 1; k < got.length; k++) expect(got[k]![1] - got[k - 1]![1]).toBeGreaterThanOrEqual(1 - 1e-9);
    for (let k = 1; k < got.length; k++) expect(got[k]![0]).toBeGreaterThan(got[k - 1]![0]); // in order
    // A sender paced below the read rate loses nothing.
    const before = slow.stats.overruns;
    for (let i = 0; i < 20; i++) {
      await sender.transport.send(frame(i));
      await clock.advanceTo(clock.now + 1.5);
    }
    await clock.runAll();
    expect(slow.stats.framesReceived).toBe(got.length);
    expect(slow.stats.overruns).toBe(before);
  });

  it('close detaches one node: its pending sends reject, its rx$ completes, the others go on', async () => {
    const clock = new VirtualClock();
    const bus = createEmulatorBus({ scheduler: clock.scheduler });
    const a = bus.attach({ txQueueFrames: 1 });
    const b = bus.attach();
    const c = bus.attach();
    let bDone = false;
    b.transport.rx$.subscribe({ complete: () => (bDone = true) });
    const cGot: number[] = [];
    c.transport.rx$.subscribe((fr) => cGot.push(fr.id));
    await a.transport.send(f(1, []));
    await clock.advanceTo(0); // frame 1 goes on the wire
    const held = a.transport.send(f(2, [])).then(() => 'sent', (e: unknown) => e);
    await b.transport.close();
    expect(bDone).toBe(true);
    expect(b.attached).toBe(false);
    await a.transport.close();
    const r = await held;
    expect(r).toBeInstanceOf(LinkError);
    expect((r as LinkError).code).toBe('link_closed');
    await clock.runAll();
    expect(cGot).toEqual([1]); // the frame already on the wire still arrives
    expect(b.stats.framesReceived).toBe(0);
    await c.transport.send(f(3, []));
    await clock.runAll();
    const d = bus.attach(); // a node attached later hears what leaves the wire from then on
    const dGot: number[] = [];
    d.transport.rx$.subscribe((fr) => dGot.push(fr.id));
    await c.transport.send(f(4, []));
    await clock.runAll();
    expect(dGot).toEqual([4]);
  });

  it('rejects bad options and bad frames naming the node', async () => {
    const bus = createEmulatorBus({ name: 'bench' });
    expect(() => bus.attach({ name: 'n1', loss: 1.5 })).toThrow(/bench\/n1: loss must be a probability/);
    expect(() => bus.attach({ rxFramesPerSecond: 0 })).toThrow(UsageError);
    const n = bus.attach();
    await expect(n.transport.send(f(0x800, []))).rejects.toThrow(/does not fit 11 bits/);
    await bus.close();
  });
});
