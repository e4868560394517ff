/**
 * HIL over a pty pair (socat): `hilbridge target` and `hilbridge flash` /
 * `status` / `confirm` as separate processes through the kernel's ptys.
 * A flash; a power cut (kill -9) of the board mid-transfer and `flash
 * --resume` sending only the rest; Ctrl-C (SIGINT) to `flash` mid-transfer,
 * then `--resume`; a board bricked by a corrupt active slot
 * in its FRAM file booting into recovery and revived by a flash; a third
 * party writing BEGINs the board refuses onto the host's pty every 2 ms while
 * a flash runs.
 */
import { constants, openSync, readFileSync, readSync, writeSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packImage } from './images.js';
import type { Image } from './images.js';
import { killAll, resultOf, runCli, startCli, startTarget, statusOf } from './procs.js';
import { has, startPtyPair } from './pty-pair.js';
import type { PtyPair } from './pty-pair.js';
import { startSlowLink } from './slow-link.js';
import { encodeCobsUnit } from '../../src/protocol/cobs-stream.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { encodeMessage } from '../../src/protocol/messages.js';
import { ANY_SLOT, ImageKind, type BeginMsg } from '../../src/protocol/messages-types.js';
import type { SlowLink } from './slow-link.js';

/** FRAM big enough for two 125 KB slots (the default 256 KiB holds 113 KB per slot). */
const FRAM_SIZE = String(512 * 1024);

let dir = '';
let big: Image;
let small: Image;
let bricked: Image;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hil-uart-'));
  big = await packImage(dir, 'uart_big', 65_536, 60_000, 11);
  small = await packImage(dir, 'uart_small', 8_192, 0, 12);
  bricked = await packImage(dir, 'uart_bricked', 16_384, 0, 13);
});
afterEach(async () => {
  await killAll();
  for (const c of cleanups.splice(0)) await c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ptyPair(): Promise<PtyPair> {
  const p = await startPtyPair();
  cleanups.push(() => p.stop());
  return p;
}

/**
 * A third party on the host's end of the pty: opened write-only (it never
 * reads, so it takes none of the host's replies) and writing, every `everyMs`,
 * a BEGIN the board refuses: another session id announcing 0xFFFFFFFF bytes
 * (ENOSPC), then one with session 0 (EINVAL), alternately. Each frame is one
 * write() starting with a COBS delimiter, as a second program on the line would.
 */
function intruder(path: string, everyMs: number): { stop(): number } {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  const begin: BeginMsg = { kind: 'begin', size: 0xffffffff, crc32: 0, sha256: new Uint8Array(32).fill(0xee), slot: ANY_SLOT, imageKind: ImageKind.hxe, chunk: 256, window: 8, ackEvery: 2, ackDelayMs: 20, fresh: true };
  const units = [
    { session: 0x7777, msg: begin },
    { session: 0, msg: { ...begin, size: 1000 } },
  ].map(({ session, msg }, i) => {
    const { type, payload } = encodeMessage(msg);
    return encodeCobsUnit(encodeFrame({ type, flags: 0, session, seq: 0xbe00 + i, payload }), true);
  });
  let written = 0;
  let open = true;
  const timer = setInterval(() => {
    try {
      writeSync(fd, units[written % units.length]!);
      written++;
    } catch {
      // EAGAIN: the pty's buffer is full this instant; a third party just tries again later
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      if (open) closeSync(fd);
      open = false;
      return written;
    },
  };
}

async function slowLink(bytesPerSecond: number): Promise<SlowLink> {
  const l = await startSlowLink(bytesPerSecond);
  cleanups.push(() => l.stop());
  return l;
}

describe.skipIf(!has('socat'))('hilbridge target and flash as processes over a socat pty pair', () => {
  it('flashes a 125 KB image over UART; status shows it on trial; confirm makes it permanent', async () => {
    const pty = await ptyPair();
    const fram = join(dir, 'flash.fram');
    await startTarget(['--uart', pty.a, '--fram', fram, '--fram-size', FRAM_SIZE]);
    const host = ['--uart', pty.b];
    const r = await runCli(['flash', big.path, ...host, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0); // --json: the error is the last stdout line
    expect(resultOf(r)).toMatchObject({ ok: true, bytes: big.size, resumed: false, alreadyHeld: 0 });
    expect(r.json.find((o) => o.event === 'done')).toMatchObject({ size: big.size, sha256: big.sha256 });
    const st = await statusOf(host);
    expect(st).toMatchObject({ state: 'READY', trial: true, active: { appName: big.appName, size: big.size, sha256: big.sha256 } });
    expect((await runCli(['confirm', ...host])).code).toBe(0);
    expect(await statusOf(host)).toMatchObject({ trial: false, active: { sha256: big.sha256 } });
  });

  it('a third party writing refused BEGINs (another session, session 0) every 2 ms: the flash completes bit-exact and never reports a refusal', async () => {
    const pty = await ptyPair();
    const fram = join(dir, 'intruder.fram');
    await startTarget(['--uart', pty.a, '--fram', fram, '--fram-size', FRAM_SIZE]);
    const host = ['--uart', pty.b];
    const third = intruder(pty.b, 2);
    cleanups.push(() => Promise.resolve(void third.stop()));
    const r = await runCli(['flash', big.path, ...host, '--json']);
    const written = third.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(resultOf(r)).toMatchObject({ ok: true, bytes: big.size, resumed: false });
    expect(r.json.find((o) => o.event === 'done')).toMatchObject({ size: big.size, sha256: big.sha256 });
    expect(r.stdout + r.stderr).not.toMatch(/ENOSPC|EINVAL|EBUSY|refused/);
    expect(written).toBeGreaterThan(20);
    expect(await statusOf(host)).toMatchObject({ state: 'READY', trial: true, active: { appName: big.appName, size: big.size, sha256: big.sha256 } });
  });

  it('kill -9 of the board past 30% of a transfer; restarted on its FRAM file, flash --resume sends only the rest', async () => {
    const link = await slowLink(40_000); // 125 KB in ~3 s: time to cut it
    const fram = join(dir, 'resume.fram');
    const targetArgs = ['--uart', link.board, '--fram', fram, '--fram-size', FRAM_SIZE];
    const host = ['--uart', link.host];
    const board = await startTarget(targetArgs);
    const first = startCli(['flash', big.path, ...host, '--json', '--timeout', '300']);
    const past30 = await first.waitForJson((o) => o.event === 'progress' && (o.heldBytes as number) > 0.3 * big.size, 'flash progress past 30%');
    await board.proc.kill9();
    link.powerOff();
    const cutAt = past30.heldBytes as number;
    expect(cutAt).toBeLessThan(big.size);
    // the host notices the board is gone: the transfer fails (exit 3: peer not answering), never "ok"
    expect((await first.exited).code).toBe(3);
    expect(first.json().at(-1)).toMatchObject({ event: 'result', ok: false, error: { code: 'peer_timeout' } });
    // ... and says what the board holds and how to go on
    expect((first.json().at(-1)!.error as { message: string }).message).toMatch(/holds at least \d+ of \d+ bytes .*--resume/);

    link.powerOn();
    const again = await startTarget(targetArgs);
    expect(again.ready).toMatchObject({ state: 'IDLE', active: null });
    const r = await runCli(['flash', big.path, ...host, '--resume', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = resultOf(r);
    expect(result).toMatchObject({ ok: true, resumed: true, bytes: big.size });
    const held = result.alreadyHeld as number;
    // what the board acknowledged before the cut was in FRAM: it is not sent again
    expect(held).toBeGreaterThanOrEqual(cutAt);
    expect(held).toBeLessThan(big.size);
    const done = r.json.find((o) => o.event === 'done') as { counters: { bytesSent: number; bytesRetransmitted: number }; sha256: string };
    expect(done.sha256).toBe(big.sha256);
    // only the rest went on the wire: new bytes are exactly size - held (a loaded machine may add repeats, counted apart)
    expect(done.counters.bytesSent - done.counters.bytesRetransmitted).toBe(big.size - held);
    expect(await statusOf(host)).toMatchObject({ state: 'READY', active: { appName: big.appName, sha256: big.sha256 } });
  });

  it('Ctrl-C (SIGINT) to flash past 30%: exit 130 and what the board kept; flash --resume sends only the rest', async () => {
    const link = await slowLink(40_000);
    const fram = join(dir, 'sigint.fram');
    await startTarget(['--uart', link.board, '--fram', fram, '--fram-size', FRAM_SIZE]);
    const host = ['--uart', link.host];
    const first = startCli(['flash', big.path, ...host, '--json']);
    const past30 = await first.waitForJson((o) => o.event === 'progress' && (o.heldBytes as number) > 0.3 * big.size, 'flash progress past 30%');
    expect((await first.signal('SIGINT')).code).toBe(130);
    const stopped = first.json().at(-1)!;
    expect(stopped).toMatchObject({ event: 'result', ok: false, error: { code: 'interrupted' } });
    const held = stopped.bytes as number;
    expect(held).toBeGreaterThanOrEqual(past30.heldBytes as number);
    expect(held).toBeLessThan(big.size);
    expect((stopped.error as { message: string }).message).toContain(`holds at least ${held} of ${big.size} bytes`);

    const r = await runCli(['flash', big.path, ...host, '--resume', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = resultOf(r);
    expect(result).toMatchObject({ ok: true, resumed: true, bytes: big.size });
    const kept = result.alreadyHeld as number;
    expect(kept).toBeGreaterThanOrEqual(held); // and what was still on the line toward the board when Ctrl-C came
    const done = r.json.find((o) => o.event === 'done') as { counters: { bytesSent: number; bytesRetransmitted: number } };
    expect(done.counters.bytesSent - done.counters.bytesRetransmitted).toBe(big.size - kept);
    expect(await statusOf(host)).toMatchObject({ state: 'READY', active: { sha256: big.sha256 } });
  });

  it('a board whose active slot is corrupt in its FRAM file boots into recovery; status says so; flash revives it', async () => {
    const pty = await ptyPair();
    const fram = join(dir, 'brick.fram');
    const targetArgs = ['--uart', pty.a, '--fram', fram, '--fram-size', FRAM_SIZE];
    const host = ['--uart', pty.b];
    const board = await startTarget(targetArgs);
    expect(resultOf(await runCli(['flash', bricked.path, ...host, '--json']))).toMatchObject({ ok: true });
    await board.proc.kill9();

    // where the active image lives, from the offline FRAM map (docs/fram.md)
    const map = (await runCli(['fmap', '--fram', fram, '--json'])).json[0] as { map: { slots: { slot: string; role: string; dataOffset: number; size: number; sha256: string }[] } };
    const active = map.map.slots.find((s) => s.role === 'active')!;
    expect(active).toMatchObject({ size: bricked.size, sha256: bricked.sha256 });
    const fd = openSync(fram, 'r+');
    const at = active.dataOffset + Math.floor(active.size / 2);
    const b = Buffer.alloc(16);
    readSync(fd, b, 0, 16, at);
    writeSync(fd, b.map((x) => x ^ 0xa5), 0, 16, at);
    closeSync(fd);
    expect(readFileSync(fram).subarray(at, at + 16)).not.toEqual(b);

    const inRecovery = await startTarget(targetArgs);
    expect(inRecovery.ready).toMatchObject({ state: 'RECOVERY', recovery: expect.stringMatching(/no_valid_image: active slot A .*CRC-32/) as unknown });
    expect(await statusOf(host)).toMatchObject({ state: 'RECOVERY' });
    expect((await runCli(['fmap', '--fram', fram, '--json'])).json[0]).toMatchObject({ event: 'fram_map', map: { bootable: false } });

    const r = await runCli(['flash', small.path, ...host, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(resultOf(r)).toMatchObject({ ok: true, bytes: small.size });
    const st = await statusOf(host);
    expect(st).toMatchObject({ state: 'READY', active: { appName: small.appName, size: small.size, sha256: small.sha256 } });
    expect((await runCli(['confirm', ...host])).code).toBe(0);
    // a power cycle boots the revived image, verified from FRAM
    await inRecovery.proc.kill9();
    const revived = await startTarget(targetArgs);
    expect(revived.ready).toMatchObject({ recovery: null, active: expect.stringMatching(/^[AB]$/) as unknown });
    expect(await statusOf(host)).toMatchObject({ trial: false, active: { appName: small.appName, sha256: small.sha256 } });
  });
});
