import { asyncScheduler, firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinkError } from '../../../src/errors.js';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import { VirtualClock } from './virtual-time.js';

const unit = (i: number): Uint8Array => Uint8Array.of(i, i, i, i);

describe('emulator close', () => {
  it('rejects pending sends with link_closed, completes rx$, and is idempotent', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, txQueueBytes: 4, scheduler: clock.scheduler });
    let completed = false;
    link.host.rx$.subscribe({ complete: () => (completed = true) });
    const got: number[] = [];
    link.target.rx$.subscribe((u) => got.push(u[0] ?? -1));
    await link.host.send(unit(1)); // fills the queue
    await clock.advanceTo(0); // and goes on the wire
    const pending = link.host.send(unit(2));
    await link.host.close();
    await expect(pending).rejects.toMatchObject({ name: 'LinkError', code: 'link_closed' });
    await expect(link.host.send(unit(3))).rejects.toBeInstanceOf(LinkError);
    expect(completed).toBe(true);
    await link.host.close();
    await clock.runAll();
    expect(got).toEqual([1]); // the unit already on the wire still arrives
  });

  it('counts units arriving at a closed end as discarded', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, latencyMs: 5, scheduler: clock.scheduler });
    await link.host.send(unit(1));
    await link.target.close();
    await clock.runAll();
    expect(link.stats.toTarget).toMatchObject({ unitsSent: 1, unitsDelivered: 0, discarded: 1 });
  });
});

describe('emulator disconnect and reconnect', () => {
  it('disconnects after N units: they arrive, then sends reject and both rx$ error with link_disconnected', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({
      mode: 'bytes',
      bitRate: 115200,
      latencyMs: 3,
      txQueueBytes: 4,
      scheduler: clock.scheduler,
      disconnect: { afterUnits: 3, direction: 'toTarget' },
    });
    const got: number[] = [];
    const errors: unknown[] = [];
    link.target.rx$.subscribe({ next: (u) => got.push(u[0] ?? -1), error: (e: unknown) => errors.push(e) });
    link.host.rx$.subscribe({ error: (e: unknown) => errors.push(e) });
    const sender = (async () => {
      for (let i = 0; i < 40; i++) await link.host.send(unit(i)); // 40 x 0.35 ms: still sending at the disconnect
    })();
    await expect(clock.until(sender)).rejects.toMatchObject({ code: 'link_disconnected' });
    await clock.runAll();
    expect(got).toEqual([0, 1, 2]);
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e instanceof LinkError && e.code === 'link_disconnected')).toBe(true);
    expect(link.connected).toBe(false);
    await expect(link.target.send(unit(0))).rejects.toMatchObject({ code: 'link_disconnected' });
  });

  it('disconnects at a chosen time, and reconnect gives a fresh working pair with stats carried over', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 9600, scheduler: clock.scheduler, disconnect: { atMs: 50 } });
    const old = link.host;
    const first: number[] = [];
    link.target.rx$.subscribe({ next: (u) => first.push(u[0] ?? -1), error: () => undefined });
    await link.host.send(unit(1)); // 4 bytes at 9600: 4.17 ms
    await link.host.send(Uint8Array.from({ length: 100 }, () => 2)); // 104 ms: still on the wire at 50 ms
    await clock.runAll();
    expect(first).toEqual([1]);
    expect(link.stats.toTarget.discarded).toBe(1);
    const { host, target } = link.reconnect();
    expect(host).not.toBe(old);
    expect(link.host).toBe(host);
    const second: number[] = [];
    target.rx$.subscribe((u) => second.push(u[0] ?? -1));
    await host.send(unit(7));
    await clock.runAll();
    expect(second).toEqual([7]);
    expect(link.stats.toTarget.unitsDelivered).toBe(2);
    await expect(old.send(unit(0))).rejects.toMatchObject({ code: 'link_disconnected' });
  });

  it('disconnect() works on demand and is idempotent', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 500_000, scheduler: clock.scheduler });
    const errored: unknown[] = [];
    link.host.rx$.subscribe({ error: (e: unknown) => errored.push(e) });
    link.disconnect();
    link.disconnect();
    expect(errored).toHaveLength(1);
    await expect(link.host.send({ id: 1, extended: false, fd: false, data: new Uint8Array(0) })).rejects.toMatchObject({
      code: 'link_disconnected',
    });
    await link.host.close(); // close after disconnect still resolves
  });
});

describe('emulator in real time', () => {
  it('moves units in order and intact on asyncScheduler (not timed)', async () => {
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 1_000_000, latencyMs: 1, scheduler: asyncScheduler });
    const received = firstValueFrom(link.target.rx$.pipe(take(5), toArray()));
    for (let i = 0; i < 5; i++) await link.host.send(Uint8Array.of(i, 0xff - i));
    const got = await received;
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => Uint8Array.of(i, 0xff - i)));
    await link.close();
  });
});
