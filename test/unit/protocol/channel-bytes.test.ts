import { describe, expect, it } from 'vitest';
import { Subject, firstValueFrom, take, toArray } from 'rxjs';
import { LinkError, ProtocolError, UsageError } from '../../../src/errors.js';
import { openByteStreamChannel } from '../../../src/protocol/channel.js';
import { encodeCobsUnit } from '../../../src/protocol/cobs-stream.js';
import { encodeFrame } from '../../../src/protocol/frame.js';
import type { Frame } from '../../../src/protocol/types.js';
import type { ByteStreamTransport } from '../../../src/transports/types.js';

/** A minimal byte-stream transport: `rx` feeds the channel, `sent` records what it sends. */
function fakeLink(name = '/dev/ttyTEST') {
  const rx = new Subject<Uint8Array>();
  const sent: Uint8Array[] = [];
  let closed = false;
  const transport: ByteStreamTransport = {
    kind: 'uart',
    name,
    framing: 'bytes',
    rx$: rx.asObservable(),
    send: (unit) => {
      if (closed) return Promise.reject(new LinkError('link_closed', name, 'closed'));
      sent.push(unit);
      return Promise.resolve();
    },
    close: () => {
      closed = true;
      rx.complete();
      return Promise.resolve();
    },
  };
  return { rx, sent, transport, isClosed: () => closed };
}

const frame = (seq: number, payload: number[] = [1, 2, 0, 3]): Frame => ({
  type: 0x10,
  flags: 0,
  session: 9,
  seq,
  payload: Uint8Array.from(payload),
});
const plain = (f: Frame) => ({ ...f, payload: Array.from(f.payload) });

describe('byte-stream FrameChannel', () => {
  it('delivers what the other side sent, with the role flag set by each side', async () => {
    const h = fakeLink();
    const t = fakeLink();
    const host = openByteStreamChannel(h.transport, { maxFrame: 256, role: 'host' });
    const target = openByteStreamChannel(t.transport, { maxFrame: 256, role: 'target' });
    const atTarget = firstValueFrom(target.frames$.pipe(take(2), toArray()));
    const atHost = firstValueFrom(host.frames$);
    await host.send({ ...frame(1), flags: 1 }); // the host clears bit 0 whatever the caller passed
    await host.send(frame(2));
    for (const u of h.sent) t.rx.next(u);
    await target.send(frame(3));
    for (const u of t.sent) h.rx.next(u);
    expect((await atTarget).map(plain)).toEqual([plain(frame(1)), plain(frame(2))]);
    expect(plain(await atHost)).toEqual(plain({ ...frame(3), flags: 1 }));
    expect(h.sent[0]![0]).toBe(0); // first unit flushes the line
    expect(h.sent[1]![0]).not.toBe(0);
    expect([host.counters.framesSent, target.counters.framesReceived, host.counters.framesReceived]).toEqual([2, 2, 1]);
    expect(host.name).toBe('/dev/ttyTEST');
  });

  it('counts CRC errors, garbage, oversize runs and bad versions, and ignores its own echo', async () => {
    const l = fakeLink();
    const ch = openByteStreamChannel(l.transport, { name: 'uart0', maxFrame: 64, role: 'host' });
    const got: Frame[] = [];
    const sub = ch.frames$.subscribe((f) => got.push(f));
    const good = encodeFrame({ ...frame(5), flags: 1 });
    const corrupt = good.slice();
    corrupt[13]! ^= 1;
    const v2 = encodeFrame({ ...frame(6), flags: 1 });
    v2[2] = 2;
    // re-seal so only the version is wrong
    new DataView(v2.buffer).setUint32(v2.length - 4, (await import('node:zlib')).crc32(v2.subarray(0, v2.length - 4)));
    l.rx.next(Uint8Array.of(0x05, 0x11, 0x00)); // 2 garbage bytes, not valid COBS
    l.rx.next(encodeCobsUnit(corrupt));
    l.rx.next(new Uint8Array(200).fill(0x41)); // no delimiter: over-long
    l.rx.next(Uint8Array.of(0));
    l.rx.next(encodeCobsUnit(v2));
    l.rx.next(encodeCobsUnit(encodeFrame(frame(7)))); // host-flagged: our own echo
    l.rx.next(encodeCobsUnit(good));
    sub.unsubscribe();
    expect(got.map((f) => f.seq)).toEqual([5]);
    expect(ch.counters).toEqual({
      framesSent: 0,
      framesReceived: 1,
      crcErrors: 1,
      malformed: 1,
      badVersion: 1,
      oversize: 1,
      garbageBytes: 202,
      segmentErrors: 0,
      bytesReceived: expect.any(Number) as number,
      echoes: 0,
    });
  });

  it('refuses frames above maxFrame and bad options with taxonomy errors', async () => {
    const l = fakeLink();
    const ch = openByteStreamChannel(l.transport, { maxFrame: 64, role: 'host' });
    await expect(ch.send(frame(1, new Array<number>(49).fill(1)))).rejects.toBeInstanceOf(ProtocolError);
    await ch.send(frame(1, new Array<number>(48).fill(1)));
    expect(() => openByteStreamChannel(l.transport, { maxFrame: 10, role: 'host' })).toThrow(UsageError);
  });

  it('rejects sends after close and closes the transport once', async () => {
    const l = fakeLink();
    const ch = openByteStreamChannel(l.transport, { maxFrame: 64, role: 'target' });
    const done = firstValueFrom(ch.frames$.pipe(toArray()));
    await ch.close();
    expect(l.isClosed()).toBe(true);
    expect(await done).toEqual([]);
    await expect(ch.send(frame(1))).rejects.toMatchObject({ code: 'link_closed' });
  });

  it('passes a link failure through frames$', async () => {
    const l = fakeLink();
    const ch = openByteStreamChannel(l.transport, { maxFrame: 64, role: 'host' });
    const p = firstValueFrom(ch.frames$);
    l.rx.error(new LinkError('link_disconnected', '/dev/ttyTEST', 'gone'));
    await expect(p).rejects.toMatchObject({ code: 'link_disconnected' });
  });
});
