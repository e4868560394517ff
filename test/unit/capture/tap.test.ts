/**
 * The recording tap over the real emulator: each unit recorded once however
 * many subscribe, both directions in order with the link's clock, long byte
 * chunks split, the line rate passed through, and nothing recorded after the
 * tap is closed on a transport that stays open (an emulator pair's host end).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFile } from '../../../src/capture/capture-file.js';
import { BYTES_PER_LINE, tapTransport } from '../../../src/capture/tap.js';
import { createEmulatedLink } from '../../../src/transports/emulator.js';
import type { AnyTransport, ByteStreamTransport, CanTransport } from '../../../src/transports/types.js';
import { VirtualClock } from '../transports/virtual-time.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'hilbridge-tap-')), 'cap.log');
/** A transport whose close() leaves the link open, as an emulator pair's host end does. */
const shared = <T extends AnyTransport>(t: T): T => ({ ...t, rx$: t.rx$, send: (u: never) => t.send(u), close: () => Promise.resolve() });

describe('tapTransport', () => {
  it('CAN: T/R candump -l lines stamped with the link clock, each received frame once for two subscribers', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'can', bitRate: 500_000, latencyMs: 1, scheduler: clock.scheduler });
    const path = tmp();
    const file = CaptureFile.open(path);
    const host = tapTransport(shared(link.host), file, clock.scheduler) as CanTransport;
    const seen: number[] = [];
    host.rx$.subscribe((f) => seen.push(f.id));
    host.rx$.subscribe((f) => seen.push(f.id));
    await host.send({ id: 0x4a0, extended: false, fd: false, data: Uint8Array.of(0x48, 0x42) });
    await clock.runAll();
    await link.target.send({ id: 0x0a0, extended: false, fd: false, data: Uint8Array.of(1) });
    await clock.runAll();
    await host.close();
    await link.target.send({ id: 0x0a1, extended: false, fd: false, data: Uint8Array.of(2) }); // after the tap closed: not recorded
    await clock.runAll();
    expect(file.close()).toBeUndefined();
    expect(seen).toEqual([0x0a0, 0x0a0]);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('(0.000000) emulator_(host_end) 4A0#4842 T');
    expect(lines[1]).toMatch(/^\(0\.00\d{4}\) emulator_\(host_end\) 0A0#01 R$/);
    expect(host).toMatchObject({ framing: 'can', fd: false, name: link.host.name });
  });

  it('bytes: TX and RX lines, chunks over BYTES_PER_LINE split, setBaudRate passed through', async () => {
    const clock = new VirtualClock();
    const link = createEmulatedLink({ mode: 'bytes', bitRate: 1_000_000, scheduler: clock.scheduler });
    const path = tmp();
    const file = CaptureFile.open(path);
    const host = tapTransport(link.host, file, clock.scheduler) as ByteStreamTransport;
    host.rx$.subscribe(() => undefined);
    const big = new Uint8Array(BYTES_PER_LINE + 10).map((_, i) => i & 0xff);
    await host.send(big);
    await link.target.send(Uint8Array.of(0, 0xab, 0));
    await clock.runAll();
    await host.setBaudRate!(2_000_000);
    expect(link.lineRates.host).toBe(2_000_000);
    await host.close();
    file.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(['emulator_(host_end) TX', 'emulator_(host_end) TX', 'emulator_(host_end) RX']);
    expect(lines[0]!.split(' ')[3]).toBe(Buffer.from(big.subarray(0, BYTES_PER_LINE)).toString('hex'));
    expect(lines[1]!.split(' ')[3]).toBe(Buffer.from(big.subarray(BYTES_PER_LINE)).toString('hex'));
    expect(lines[2]!.endsWith(' RX 00ab00')).toBe(true);
  });
});
