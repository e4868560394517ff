/**
 * Baud switching end to end in virtual time: the real codecs, channels,
 * engine (host and serveTarget with a FileSink) over the emulated UART,
 * whose ends garble every unit while their rates differ.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { openByteStreamChannel } from '../../src/protocol/channel.js';
import {
  DEFAULT_LINE_RATES, FileSink, MAX_BAUD_CONFIRM_MS, connect, negotiateBaud, serveTarget, switchBaud, transfer, transferWithFallback,
} from '../../src/protocol/engine/index.js';
import type { AdaptiveTransferEvent, BaudOptions, PeerInfo, TargetHandle, TransferResult } from '../../src/protocol/engine/index.js';
import { request } from '../../src/protocol/engine/request.js';
import type { FrameChannel } from '../../src/protocol/types.js';
import { createEmulatedLink } from '../../src/transports/emulator.js';
import type { ByteStreamEmulatorOptions, EmulatedLink } from '../../src/transports/emulator.js';
import { bytesImageReader } from '../../src/image/reader.js';
import type { ByteStreamTransport } from '../../src/transports/types.js';
import { VirtualClock } from '../unit/transports/virtual-time.js';
import { image } from './transfer-harness.js';
import { firmwareImage } from './delta-images.js';
import { VirtualBoard } from '../../src/board/board.js';
import { ANY_SLOT, ImageKind } from '../../src/protocol/messages-types.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Setup {
  clock: VirtualClock;
  link: EmulatedLink<ByteStreamTransport>;
  host: FrameChannel;
  target: TargetHandle;
  sinkPath: string;
  baud: BaudOptions;
  dispose(): Promise<void>;
}

let current: Setup | undefined;
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

function setup(o: { line?: Partial<ByteStreamEmulatorOptions>; targetRates?: readonly number[] | null; hostRates?: readonly number[]; board?: (clock: VirtualClock) => VirtualBoard } = {}): Setup {
  const clock = new VirtualClock();
  const link = createEmulatedLink({ mode: 'bytes', bitRate: 115200, latencyMs: 1, name: '/dev/ttyEMU0', scheduler: clock.scheduler, ...o.line });
  const host = openByteStreamChannel(link.host, { maxFrame: 1044, role: 'host' });
  const targetCh = openByteStreamChannel(link.target, { maxFrame: 1044, role: 'target' });
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-baud-'));
  const sinkPath = join(dir, 'image.bin');
  const sink = new FileSink(sinkPath);
  const targetEnd = link.target;
  const rates = o.targetRates === undefined ? [115200, 230400, 460800, 921600] : o.targetRates;
  const board = o.board?.(clock);
  const target = serveTarget(targetCh, board ?? sink, {
    scheduler: clock.scheduler,
    ...(rates === null ? {} : { baud: { link: { setBaudRate: (n) => targetEnd.setBaudRate!(n) }, rate: 115200, rates } }),
  });
  const hostEnd = link.host;
  const s: Setup = {
    clock, link, host, target, sinkPath,
    baud: { link: { setBaudRate: (n) => hostEnd.setBaudRate!(n) }, scheduler: clock.scheduler, rates: o.hostRates ?? DEFAULT_LINE_RATES },
    dispose: async () => {
      await target.close();
      sink.close();
      board?.close();
      await link.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  current = s;
  return s;
}

async function hello(s: Setup): Promise<PeerInfo> {
  return s.clock.until(connect(s.host, { scheduler: s.clock.scheduler }));
}

async function send(s: Setup, img: Uint8Array, peer: PeerInfo): Promise<TransferResult> {
  const events = await s.clock.until(lastValueFrom(transfer(s.host, bytesImageReader(img), { peer, scheduler: s.clock.scheduler }).pipe(toArray())));
  const last = events.at(-1);
  if (last?.kind !== 'done') throw new Error('no result');
  return last.result;
}

const img = image(48 * 1024);

describe('baud switching over the emulated UART', () => {
  it('moves both ends to the highest common rate and the transfer then takes about an eighth of the wire time', async () => {
    const base = setup();
    const slow = await send(base, img, await hello(base));
    const slowWire = base.link.stats.toTarget.wireMs;
    await base.dispose();

    const s = setup();
    const peer = await hello(s);
    expect(peer.info.lineRates).toEqual([115200, 230400, 460800, 921600]);
    const n = await s.clock.until(negotiateBaud(s.host, peer, 115200, s.baud));
    expect(n.rate).toBe(921600);
    expect(n.attempts).toEqual([{ rate: 921600, outcome: 'switched' }]);
    expect(s.link.lineRates).toEqual({ host: 921600, target: 921600 });
    const before = s.link.stats.toTarget.wireMs;
    const fast = await send(s, img, n.peer);
    const fastWire = s.link.stats.toTarget.wireMs - before;
    expect(sha(new Uint8Array(readFileSync(s.sinkPath)))).toBe(sha(img));
    expect(fastWire).toBeLessThan(slowWire / 7);
    expect(fastWire).toBeGreaterThan(slowWire / 9);
    expect(fast.transferMs).toBeLessThan(slow.transferMs / 4);
    expect(s.target.counters).toMatchObject({ baudSwitches: 1, baudReverts: 0 });
    expect(s.link.stats.toTarget.rateGarbled + s.link.stats.toHost.rateGarbled).toBe(0);
  });

  it('the target refuses a rate it does not list (EINVAL) and a target without rate control answers ENOTSUP; both stay usable', async () => {
    const s = setup({ targetRates: [115200, 460800] });
    const peer = await hello(s);
    const step = await s.clock.until(switchBaud(s.host, peer, 115200, 921600, s.baud));
    expect(step.attempt).toMatchObject({ rate: 921600, outcome: 'refused', detail: expect.stringMatching(/EINVAL.*921600 bit\/s is not one of/) as unknown });
    expect(step.rate).toBe(115200);
    expect(s.link.lineRates).toEqual({ host: 115200, target: 115200 });
    await send(s, img.subarray(0, 4096), peer);
    await s.dispose();

    const plain = setup({ targetRates: null });
    const p2 = await hello(plain);
    expect(p2.info.lineRates).toBeUndefined();
    expect((await plain.clock.until(negotiateBaud(plain.host, p2, 115200, plain.baud))).attempts).toEqual([]);
    const o = { scheduler: plain.clock.scheduler, timeoutMs: 200, tries: 1, what: 'SET_BAUD' };
    await expect(plain.clock.until(request(plain.host, { kind: 'set_baud', rate: 921600, confirmMs: 500 }, ['result'], o))).rejects.toMatchObject({ code: 'ENOTSUP' });
  });

  it('a switch whose confirmation is lost (the cable cannot carry the rate): both ends revert and the transfer completes at the old rate', async () => {
    const s = setup({ line: { maxBitRate: 460800 }, hostRates: [115200, 921600] });
    const peer = await hello(s);
    const n = await s.clock.until(negotiateBaud(s.host, peer, 115200, s.baud));
    expect(n.attempts).toEqual([{ rate: 921600, outcome: 'unconfirmed', detail: 'no answer at 921600 bit/s within 1000 ms' }]);
    expect(n.rate).toBe(115200);
    expect(s.link.lineRates).toEqual({ host: 115200, target: 115200 });
    expect(s.target.counters).toMatchObject({ baudSwitches: 1, baudReverts: 1 });
    const before = s.link.stats.toTarget.wireMs;
    await send(s, img, n.peer);
    expect(sha(new Uint8Array(readFileSync(s.sinkPath)))).toBe(sha(img));
    // 48 KiB of DATA at 115200 8N1 is at least 4.2 s of wire time.
    expect(s.link.stats.toTarget.wireMs - before).toBeGreaterThan((img.length * 10 * 1000) / 115200);
  });

  it('an unconfirmed SET_BAUD asking for a 65 s confirm window returns the target to its start rate within MAX_BAUD_CONFIRM_MS', async () => {
    expect(MAX_BAUD_CONFIRM_MS).toBe(5000);
    const s = setup();
    await hello(s);
    const o = { scheduler: s.clock.scheduler, timeoutMs: 200, tries: 1, what: 'SET_BAUD' };
    await s.clock.until(request(s.host, { kind: 'set_baud', rate: 921600, confirmMs: 65000 }, ['result'], o));
    const ok = s.clock.now;
    await s.clock.advanceTo(ok + 10);
    expect(s.target.lineRate).toBe(921600);
    await s.clock.advanceTo(ok + MAX_BAUD_CONFIRM_MS - 50);
    expect(s.target.lineRate).toBe(921600);
    await s.clock.advanceTo(ok + MAX_BAUD_CONFIRM_MS + 50);
    expect(s.target.lineRate).toBe(115200);
    expect(s.target.counters).toMatchObject({ baudSwitches: 1, baudReverts: 1 });
    expect((await hello(s)).info.identity).toBeDefined();
  });

  it('walks down from an unproven rate to the highest one that works', async () => {
    const s = setup({ line: { maxBitRate: 460800 } });
    const n = await s.clock.until(negotiateBaud(s.host, await hello(s), 115200, s.baud));
    expect(n.attempts.map((a) => `${a.rate}:${a.outcome}`)).toEqual(['921600:unconfirmed', '460800:switched']);
    expect(s.link.lineRates).toEqual({ host: 460800, target: 460800 });
  });

  it('a target left at a switched rate by a silent host returns to its start rate on its own', async () => {
    const s = setup();
    await s.clock.until(negotiateBaud(s.host, await hello(s), 115200, s.baud));
    expect(s.target.lineRate).toBe(921600);
    await s.clock.advanceTo(s.clock.now + 2900);
    expect(s.target.lineRate).toBe(921600);
    await s.clock.advanceTo(s.clock.now + 200);
    expect(s.target.lineRate).toBe(115200);
    await s.clock.until(s.baud.link.setBaudRate(115200));
    expect((await hello(s)).info.identity).toBeDefined();
  });

  it('falls back one rate when errors rise during a transfer and resumes the same session there', async () => {
    const s = setup({ line: { marginal: { bitRate: 460800, garbleEvery: 8 } } });
    const n = await s.clock.until(negotiateBaud(s.host, await hello(s), 115200, s.baud));
    expect(n.rate).toBe(921600);
    const events: AdaptiveTransferEvent[] = await s.clock.until(
      lastValueFrom(
        transferWithFallback(s.host, bytesImageReader(img), { peer: n.peer, scheduler: s.clock.scheduler }, { ...s.baud, rate: n.rate, errorWindowFrames: 16 }).pipe(toArray()),
      ),
    );
    const switches = events.filter((e) => e.kind === 'baud');
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ from: 921600, rate: 460800, attempt: { outcome: 'switched' } });
    expect((switches[0] as { errorRate: number }).errorRate).toBeGreaterThan(0.1);
    expect(s.link.lineRates).toEqual({ host: 460800, target: 460800 });
    const done = events.at(-1);
    expect(done?.kind).toBe('done');
    expect(sha(new Uint8Array(readFileSync(s.sinkPath)))).toBe(sha(img));
    if (done?.kind === 'done') {
      expect(done.result.resumed).toBe(false);
      expect(done.result.size).toBe(img.length);
      expect(done.result.counters.bytesSent).toBeGreaterThanOrEqual(img.length);
    }
    expect(s.target.counters.sessionsBegun).toBe(1);
  });

  it('a compressed transfer that falls back reports the savings of both segments, not the last one only', async () => {
    const board = (clock: VirtualClock): VirtualBoard => VirtualBoard.open({ fram: { memory: new Uint8Array(128 * 1024) }, scheduler: clock.scheduler, delta: false });
    const fw = firmwareImage(40 * 1024);
    const s = setup({ line: { marginal: { bitRate: 460800, garbleEvery: 8 } }, board });
    const n = await s.clock.until(negotiateBaud(s.host, await hello(s), 115200, s.baud));
    const events: AdaptiveTransferEvent[] = await s.clock.until(
      lastValueFrom(transferWithFallback(s.host, bytesImageReader(fw), { peer: n.peer, scheduler: s.clock.scheduler, imageKind: ImageKind.hxe, slot: ANY_SLOT }, { ...s.baud, rate: n.rate, errorWindowFrames: 16 }).pipe(toArray())),
    );
    expect(events.filter((e) => e.kind === 'baud')).toHaveLength(1);
    const done = events.at(-1);
    if (done?.kind !== 'done') throw new Error('no result');
    const sv = done.result.savings!;
    // every chunk of this image compresses: the two segments together compressed all of it at least once
    expect(sv.compressedBytes).toBeGreaterThanOrEqual(fw.length - 1024);
    expect(sv.packedBytes).toBeLessThan(sv.compressedBytes);
    expect(sv.codec).not.toBe('none');
    const progress = events.filter((e) => e.kind === 'progress').at(-1);
    expect(progress?.kind === 'progress' && progress.savings!.compressedBytes).toBeLessThanOrEqual(sv.compressedBytes);
  });

  it('on a clean line the fallback never changes the rate', async () => {
    const s = setup();
    const n = await s.clock.until(negotiateBaud(s.host, await hello(s), 115200, s.baud));
    const events = await s.clock.until(
      lastValueFrom(transferWithFallback(s.host, bytesImageReader(img), { peer: n.peer, scheduler: s.clock.scheduler }, { ...s.baud, rate: n.rate, errorWindowFrames: 16 }).pipe(toArray())),
    );
    expect(events.filter((e) => e.kind === 'baud')).toEqual([]);
    expect(events.at(-1)?.kind).toBe('done');
  });
});
