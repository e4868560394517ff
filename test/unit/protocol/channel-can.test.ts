import { describe, expect, it } from 'vitest';
import { Subject, firstValueFrom, take, toArray } from 'rxjs';
import { LinkError, UsageError } from '../../../src/errors.js';
import { openCanChannel } from '../../../src/protocol/channel.js';
import { segmentFrame } from '../../../src/protocol/can-segment.js';
import { encodeFrame } from '../../../src/protocol/frame.js';
import type { Frame } from '../../../src/protocol/types.js';
import type { CanFrame, CanTransport } from '../../../src/transports/types.js';

/**
 * A minimal CAN transport. `rx` feeds the channel; sends are recorded and
 * resolve only when `release()` is called, so back-pressure and ordering are visible.
 */
function fakeCan(fd = false) {
  const rx = new Subject<CanFrame>();
  const sent: CanFrame[] = [];
  const pending: (() => void)[] = [];
  let maxPending = 0;
  const transport: CanTransport = {
    kind: 'can',
    name: 'vcan0',
    framing: 'can',
    fd,
    rx$: rx.asObservable(),
    send: (unit) =>
      new Promise<void>((resolve) => {
        sent.push(unit);
        pending.push(resolve);
        maxPending = Math.max(maxPending, pending.length);
      }),
    close: () => {
      rx.complete();
      return Promise.resolve();
    },
  };
  /** Accept pending units one by one until the sender stops producing more. */
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 10_000; i++) {
      const next = pending.shift();
      if (next) next();
      await Promise.resolve();
      await Promise.resolve();
      if (pending.length === 0) {
        await new Promise((r) => setImmediate(r));
        if (pending.length === 0) return;
      }
    }
  };
  return { rx, sent, transport, drain, maxPending: () => maxPending };
}

const frame = (seq: number, n = 20): Frame => ({
  type: 0x10,
  flags: 0,
  session: 3,
  seq,
  payload: Uint8Array.from({ length: n }, (_, i) => (i * 7 + seq) & 0xff),
});
const plain = (f: Frame) => ({ ...f, payload: Array.from(f.payload) });

describe('CAN FrameChannel', () => {
  it('sends segments addressed to the node, one unit at a time, never interleaving two frames', async () => {
    const l = fakeCan();
    const host = openCanChannel(l.transport, { node: 5, idFormat: 'std', fd: false, role: 'host', maxFrame: 256 });
    expect(host.name).toBe('node 5 on vcan0');
    const a = host.send(frame(1, 40)); // 56 bytes: 7 segments
    const b = host.send(frame(2, 40));
    await l.drain();
    await Promise.all([a, b]);
    expect(l.maxPending()).toBe(1);
    expect(l.sent.map((s) => s.id)).toEqual([0x4a0, 0x4a1, 0x4a2, 0x4a3, 0x4a4, 0x4a5, 0x4a6, 0x4a0, 0x4a1, 0x4a2, 0x4a3, 0x4a4, 0x4a5, 0x4a6]);
    const first = Buffer.concat(l.sent.slice(0, 7).map((s) => s.data));
    expect(first.toString('hex')).toBe(Buffer.from(encodeFrame(frame(1, 40))).toString('hex'));
    expect(host.counters.framesSent).toBe(2);
  });

  it('once the peer rebuilds segments, DATA and XDATA carry the parity the measured loss calls for (none on a clean link), control frames always some', async () => {
    const t = fakeCan();
    const target = openCanChannel(t.transport, { node: 5, idFormat: 'std', fd: false, role: 'target', maxFrame: 1024 });
    const sentInfo = target.send({ type: 0x02, flags: 0, session: 0, seq: 1, payload: new Uint8Array(10) }); // INFO: the target announces it rebuilds
    await t.drain();
    await sentInfo;
    const h = fakeCan();
    const host = openCanChannel(h.transport, { node: 5, idFormat: 'std', fd: false, role: 'host', maxFrame: 1024 });
    host.frames$.subscribe();
    for (const c of t.sent) h.rx.next(c);
    const framesFor = async (type: number): Promise<number> => {
      const before = h.sent.length;
      const p = host.send({ type, flags: 0, session: 3, seq: type, payload: new Uint8Array(200).fill(type) });
      await h.drain();
      await p;
      return h.sent.length - before;
    };
    const data = await framesFor(0x06);
    expect(await framesFor(0x26)).toBe(data); // XDATA: the chunks of a transfer, like DATA
    expect(await framesFor(0x05)).toBeGreaterThan(data); // BEGIN: parity groups of 4
  });

  it('delivers frames from its node in the peer direction only', async () => {
    const t = fakeCan(true);
    const target = openCanChannel(t.transport, { node: 5, idFormat: 'ext', fd: true, role: 'target', maxFrame: 1024 });
    const got = firstValueFrom(target.frames$.pipe(take(1), toArray()));
    const seg = (f: Frame, node: number, direction: 'toHost' | 'toTarget', fd = true) =>
      segmentFrame(encodeFrame(f), { fd, idFormat: 'ext', node, direction });
    for (const c of seg(frame(9), 6, 'toTarget')) t.rx.next(c); // another node
    for (const c of seg({ ...frame(8), flags: 1 }, 5, 'toHost')) t.rx.next(c); // the other direction
    t.rx.next({ id: 0x4a0, extended: false, fd: false, data: new Uint8Array(8) }); // 11-bit traffic
    for (const c of seg(frame(7), 5, 'toTarget', false)) t.rx.next(c); // classic segments are accepted on FD
    expect((await got).map(plain)).toEqual([plain(frame(7))]);
    expect(target.counters).toMatchObject({ framesReceived: 1, segmentErrors: 0, malformed: 0, crcErrors: 0 });
  });

  it('counts a lost segment and a corrupted frame, then recovers', () => {
    const h = fakeCan();
    const host = openCanChannel(h.transport, { node: 7, idFormat: 'std', fd: false, role: 'host', maxFrame: 256 });
    const got: Frame[] = [];
    const sub = host.frames$.subscribe((f) => got.push(f));
    const opts = { fd: false, idFormat: 'std', node: 7, direction: 'toHost' } as const;
    const segs = (f: Frame) => segmentFrame(encodeFrame({ ...f, flags: 1 }), opts);
    for (const c of segs(frame(1)).filter((_, i) => i !== 2)) h.rx.next(c);
    const bad = segs(frame(2));
    bad[1] = { ...bad[1]!, data: bad[1]!.data.map((x) => x ^ 0x80) };
    for (const c of bad) h.rx.next(c);
    for (const c of segs(frame(3))) h.rx.next(c);
    sub.unsubscribe();
    expect(got.map((f) => f.seq)).toEqual([3]);
    expect(host.counters).toMatchObject({ framesReceived: 1, segmentErrors: 1, crcErrors: 1 });
  });

  it('validates node, FD support and maxFrame, and passes link errors through', async () => {
    const l = fakeCan(false);
    const o = { node: 5, idFormat: 'std', fd: false, role: 'host', maxFrame: 256 } as const;
    expect(() => openCanChannel(l.transport, { ...o, node: 40 })).toThrow(UsageError);
    expect(() => openCanChannel(l.transport, { ...o, fd: true })).toThrow(/classic CAN only/);
    expect(() => openCanChannel(l.transport, { ...o, maxFrame: 1 << 20 })).toThrow(UsageError);
    const ch = openCanChannel(l.transport, { ...o, idFormat: 'ext', node: 200 });
    const p = firstValueFrom(ch.frames$);
    l.rx.error(new LinkError('link_disconnected', 'vcan0', 'gone'));
    return expect(p).rejects.toBeInstanceOf(LinkError);
  });

  it('keeps later sends going after one fails', async () => {
    let n = 0;
    const rx = new Subject<CanFrame>();
    const transport: CanTransport = {
      kind: 'can',
      name: 'vcan0',
      framing: 'can',
      fd: false,
      rx$: rx,
      send: () => (++n === 2 ? Promise.reject(new LinkError('link_unavailable', 'vcan0', 'ENOBUFS')) : Promise.resolve()),
      close: () => Promise.resolve(),
    };
    const ch = openCanChannel(transport, { node: 5, idFormat: 'std', fd: false, role: 'host', maxFrame: 256 });
    const a = ch.send(frame(1));
    const b = ch.send(frame(2));
    await expect(a).rejects.toMatchObject({ code: 'link_unavailable' });
    await b;
    expect(ch.counters.framesSent).toBe(1);
  });
});
