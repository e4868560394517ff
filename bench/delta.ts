/**
 * Delta and compression benchmark (npm run bench -- --only=delta; docs/performance.md):
 * the virtual board (FRAM, the real loader and its verification) behind
 * serveTarget over the link emulator in real time, on UART 115200 and
 * classic CAN 1 Mbit/s as bench/transfer.ts sets them up.
 *
 * - delta: a 128 KB firmware-like HXE image rebuilt with 1 % of its bytes
 *   changed in three places and a 256-byte block inserted near the start; the
 *   board's active slot holds the old build. Time (HELLO answered .. DONE,
 *   signatures included; the median of 5 runs, each to a fresh board) against
 *   the full plain transfer of the same image.
 * - compression: the same image to an empty board with compression only:
 *   effective rate (image bytes / time) against the line's payload limit.
 * - random: 128 KB of random bytes, plain against negotiated (delta and
 *   compression on, the board holding another random image): the overhead
 *   (the median of 3 runs each).
 */
import { randomBytes } from 'node:crypto';
import { asyncScheduler, lastValueFrom } from 'rxjs';
import { VirtualBoard } from '../src/board/board.js';
import { connect, serveTarget, transfer, transferCoded } from '../src/protocol/engine/index.js';
import type { DeltaOptions, TransferResult } from '../src/protocol/engine/index.js';
import { ANY_SLOT, ImageKind } from '../src/protocol/messages-types.js';
import { createEmulatedLink } from '../src/transports/emulator.js';
import { bytesImageReader } from '../src/image/reader.js';
import { canClassicPayloadLimit, uartPayloadLimit } from '../src/transports/line-cost.js';
import { frameChannel } from '../src/link/index.js';
import { writeHxe } from '../src/hxe/writer.js';
import { editCode, firmwareImage } from '../test/integration/delta-images.js';

interface Link {
  readonly name: string;
  readonly mode: 'uart' | 'can';
  readonly rate: number;
  readonly maxFrame: number;
  readonly window: number;
}

const LINKS: Link[] = [
  { name: 'uart-115200', mode: 'uart', rate: 115_200, maxFrame: 4096 + 20, window: 8 },
  { name: 'can-1M', mode: 'can', rate: 1_000_000, maxFrame: 2048 + 20, window: 16 },
];
const SIZE = 128 * 1024;

function rigFor(l: Link): { host: ReturnType<typeof frameChannel>['channel']; target: ReturnType<typeof frameChannel>['channel']; close: () => Promise<void> } {
  const common = { scheduler: asyncScheduler, latencyMs: l.mode === 'can' ? 1 : 2, seed: 42 };
  if (l.mode === 'can') {
    const link = createEmulatedLink({ ...common, mode: 'can', bitRate: l.rate, name: 'vcan-emu', txQueueFrames: 128 });
    const o = { node: 5, maxFrame: l.maxFrame };
    return { host: frameChannel(link.host, 'host', o).channel, target: frameChannel(link.target, 'target', o).channel, close: () => link.close() };
  }
  const link = createEmulatedLink({ ...common, mode: 'bytes', bitRate: l.rate, name: 'uart-emu' });
  const o = { maxFrame: l.maxFrame };
  return { host: frameChannel(link.host, 'host', o).channel, target: frameChannel(link.target, 'target', o).channel, close: () => link.close() };
}

interface Run {
  readonly ms: number;
  readonly r: TransferResult;
}

/** One flash of `image` to a fresh board whose active slot holds `old` (none: empty), timed from INFO to DONE. */
async function flash(l: Link, image: Uint8Array, old: Uint8Array | undefined, coded: DeltaOptions | undefined, board: { delta?: boolean; compression?: boolean } = {}): Promise<Run> {
  const b = VirtualBoard.open({ fram: { memory: new Uint8Array(320 * 1024) }, limits: { code: 0x10000, rodata: 0x10000, ram: 0x8000, stack: 0x800 }, ...board });
  if (old !== undefined) b.install(old, 'uart', { confirm: true });
  const rig = rigFor(l);
  const served = serveTarget(rig.target, b, { window: 64 });
  try {
    const peer = await connect(rig.host, { window: l.window, tries: 5 });
    const t0 = performance.now();
    const opts = { peer, imageKind: ImageKind.hxe, slot: ANY_SLOT, fresh: true };
    const events$ = coded === undefined ? transfer(rig.host, bytesImageReader(image), opts) : transferCoded(rig.host, bytesImageReader(image), { ...opts, ...coded });
    const last = await lastValueFrom(events$);
    if (last.kind !== 'done') throw new Error(`${l.name}: no result`);
    return { ms: performance.now() - t0, r: last.result };
  } finally {
    await served.close();
    b.close();
    await rig.close();
  }
}

function limitOf(l: Link): number {
  return l.mode === 'uart' ? uartPayloadLimit(l.rate) : canClassicPayloadLimit(l.rate);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const out = (line: Record<string, unknown>, text: string): void => void process.stdout.write(json ? JSON.stringify(line) + '\n' : text + '\n');
  const oldImage = firmwareImage(SIZE);
  const newImage = firmwareImage(SIZE, 1, (c) => editCode(c, Math.round(SIZE / 100), 256));
  const rndOld = new Uint8Array(randomBytes(SIZE));
  const rnd = new Uint8Array(randomBytes(SIZE));
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  for (const l of LINKS.filter((x) => only === undefined || only === 'delta' || x.name.includes(only))) {
    const full = await flash(l, newImage, oldImage, undefined);
    const delta = await median(DELTA_RUNS, () => flash(l, newImage, oldImage, {}));
    const s = delta.r.savings!;
    out(
      { scenario: `delta-${l.name}`, bytes: newImage.length, fullMs: Math.round(full.ms), deltaMs: Math.round(delta.ms), ratio: +(delta.ms / full.ms).toFixed(4), reusedBytes: s.reusedBytes, wireBytes: s.wireBytes, sigBytes: s.sigBytes, sigRequests: s.sigRequests ?? 0, sigMs: Math.round(s.sigMs ?? 0) },
      `delta-${l.name.padEnd(12)} full ${full.ms.toFixed(0).padStart(6)} ms, delta ${delta.ms.toFixed(0).padStart(5)} ms (${((100 * delta.ms) / full.ms).toFixed(2)} % of full): BEGIN..DONE ${delta.r.transferMs.toFixed(0)} ms, reused ${s.reusedBytes}, wire ${s.wireBytes} B + ${s.sigBytes} B of signatures in ${s.sigRequests} requests (${(s.sigMs ?? 0).toFixed(0)} ms)`,
    );
    const packed = await flash(l, newImage, undefined, { delta: false }, { delta: false });
    const ps = packed.r.savings!;
    const limit = limitOf(l);
    const plainRate = newImage.length / (full.ms / 1000);
    const rate = newImage.length / (packed.ms / 1000);
    out(
      { scenario: `compress-${l.name}`, bytes: newImage.length, ms: Math.round(packed.ms), effectiveBps: Math.round(rate), payloadLimitBps: Math.round(limit), ofLine: +(rate / limit).toFixed(3), plainOfLine: +(plainRate / limit).toFixed(3), compressedBytes: ps.compressedBytes, packedBytes: ps.packedBytes },
      `compress-${l.name.padEnd(9)} ${packed.ms.toFixed(0).padStart(6)} ms (BEGIN..DONE ${packed.r.transferMs.toFixed(0)} ms, ${packed.r.counters.retransmits} retransmits, ${packed.r.counters.timeouts} timeouts): ${(rate / 1000).toFixed(1)} kB/s = ${(rate / limit).toFixed(2)}x the line's payload limit (plain ${(plainRate / limit).toFixed(2)}x); ${ps.compressedBytes} B compressed to ${ps.packedBytes} B`,
    );
    // a 2-12 s run varies by about 1 % with the machine's other work, the size of what is measured: median of pairs
    const rPlain = await median(RANDOM_RUNS, () => flash(l, wrapRandom(rnd), wrapRandom(rndOld), undefined));
    const rCoded = await median(RANDOM_RUNS, () => flash(l, wrapRandom(rnd), wrapRandom(rndOld), {}));
    const rs = rCoded.r.savings!;
    out(
      { scenario: `random-${l.name}`, bytes: rnd.length, plainMs: Math.round(rPlain.ms), codedMs: Math.round(rCoded.ms), overhead: +(rCoded.ms / rPlain.ms - 1).toFixed(4), sigBytes: rs.sigBytes, wireBytes: rs.wireBytes },
      `random-${l.name.padEnd(11)} plain ${rPlain.ms.toFixed(0).padStart(6)} ms, negotiated ${rCoded.ms.toFixed(0).padStart(6)} ms (${((rCoded.ms / rPlain.ms - 1) * 100).toFixed(2)} % more; ${rs.sigBytes} B of signatures, ${rs.wireBytes} B on the wire)`,
    );
  }
}

/** Delta runs take a few hundred ms, where one pause of a busy machine shows: the median of this many is reported. */
const DELTA_RUNS = 5;
/** Random-data runs (plain and negotiated each): their difference is near 1 %, inside one run's noise. */
const RANDOM_RUNS = 3;

async function median(n: number, once: () => Promise<Run>): Promise<Run> {
  const runs: Run[] = [];
  for (let i = 0; i < n; i++) runs.push(await once());
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(n / 2)]!;
}

/** Random bytes as an HXE image (the board runs HXE images only): the code and rodata are the random bytes. */
const wrapped = new Map<Uint8Array, Uint8Array>();
function wrapRandom(bytes: Uint8Array): Uint8Array {
  let w = wrapped.get(bytes);
  if (w === undefined) {
    const half = 0xfffc;
    w = writeHxe({ code: bytes.subarray(0, half), rodata: bytes.subarray(half, Math.min(bytes.length, 2 * half)), appName: 'rnd' });
    wrapped.set(bytes, w);
  }
  return w;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
