/**
 * A request nobody answers says what the line did carry (docs/protocol.md
 * 1.5, 7.1): bytes that never made a frame (a wrong bit rate, a board
 * printing instead of running its loader), or only our own frames coming
 * back (a loopback, an echoing adapter). Real channels over the link
 * emulator, in virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openByteStreamChannel } from '../../src/protocol/channel.js';
import { FileSink, connect, serveTarget } from '../../src/protocol/engine/index.js';
import type { TargetHandle } from '../../src/protocol/engine/index.js';
import { createEmulatedLink } from '../../src/transports/emulator.js';
import type { EmulatedLink } from '../../src/transports/emulator.js';
import type { ByteStreamTransport } from '../../src/transports/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../unit/transports/virtual-time.js';

const MAX_FRAME = 1044;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function uart(clock: VirtualClock): EmulatedLink<ByteStreamTransport> {
  const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, scheduler: clock.scheduler, latencyMs: 1, name: '/dev/ttyEMU0' });
  cleanup.push(() => link.close().catch(() => undefined));
  return link;
}

function serve(clock: VirtualClock, t: ByteStreamTransport): TargetHandle {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-silence-'));
  const sink = new FileSink(join(dir, 'image.bin'));
  const target = serveTarget(openByteStreamChannel(t, { maxFrame: MAX_FRAME, role: 'target' }), sink, { scheduler: clock.scheduler });
  cleanup.push(async () => {
    await target.close();
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return target;
}

async function hello(clock: VirtualClock, t: ByteStreamTransport): Promise<unknown> {
  const host = openByteStreamChannel(t, { maxFrame: MAX_FRAME, role: 'host' });
  const r = connect(host, { scheduler: clock.scheduler, tries: 3 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return clock.until(r);
}

describe('a request nobody answers says what the line carried', () => {
  it('a board at another bit rate: "received N bytes, no valid frame"', async () => {
    const clock = new VirtualClock();
    const link = uart(clock);
    serve(clock, link.target);
    await clock.until(link.host.setBaudRate!(230400));
    // The board prints a line every 100 ms at its own rate (an app running, or a loader's banner): garbage at ours.
    const line = clock.scheduler.schedule(function (this: { schedule(s: unknown, d: number): void }) {
      void link.target.send(new TextEncoder().encode('tick 00042 ok\r\n')).catch(() => undefined);
      this.schedule(undefined, 100);
    }, 100);
    cleanup.push(() => line.unsubscribe());
    const e = await hello(clock, link.host);
    expect(e).toMatchObject({ code: 'peer_timeout' });
    expect((e as Error).message).toMatch(/^no answer from \/dev\/ttyEMU0 \(host end\) after 3 tries in \d+ ms \(HELLO\): received \d+ bytes, no valid frame: wrong bit rate, or not in its loader\?$/);
    expect(link.stats.toTarget.rateGarbled).toBeGreaterThan(0);
  });

  it('the same board at the same rate answers, and plain silence stays plain silence', async () => {
    const clock = new VirtualClock();
    const link = uart(clock);
    const e = await hello(clock, link.host);
    expect((e as Error).message).toMatch(/\(HELLO\): is it in its loader, is the bit rate right/);
    serve(clock, link.target);
    expect(await hello(clock, link.host)).toBeUndefined();
  });

  it('a loopback (the far end echoes every byte): "only our own frames came back"', async () => {
    const clock = new VirtualClock();
    const link = uart(clock);
    link.target.rx$.subscribe((u) => void link.target.send(u).catch(() => undefined));
    const e = await hello(clock, link.host);
    expect(e).toMatchObject({ code: 'peer_timeout' });
    expect((e as Error).message).toMatch(
      /^no answer from \/dev\/ttyEMU0 \(host end\) after 3 tries in \d+ ms \(HELLO\): only our own frames came back \(3 echoed byte for byte\): a loopback or an echo, is the board connected\?$/,
    );
  });
});
