/**
 * Transfer benchmark (npm run bench [-- --json] [-- --memory]): a 256 KiB
 * random image over the link emulator in real time (asyncScheduler), real
 * codecs, real engine, a FileSink target. Goodput = image bytes / (BEGIN sent
 * .. DONE received); efficiency = goodput / the link's payload limit (UART:
 * bit rate / 10 for 8N1; classic CAN: 8 data bytes per unstuffed 111-bit
 * frame). Connection setup (HELLO and the resume QUERY) is reported apart.
 *
 * --memory: a 64 MiB file-backed image into a FileSink with no line-rate
 * limit worth the name, sampling resident memory; prints the peak RSS.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler, lastValueFrom } from 'rxjs';
import { FileSink, connect, serveTarget, transfer } from '../src/protocol/engine/index.js';
import type { TransferResult } from '../src/protocol/engine/index.js';
import type { FrameChannel } from '../src/protocol/types.js';
import { createEmulatedLink } from '../src/transports/emulator.js';
import type { FaultSpec } from '../src/transports/emulator.js';
import { bytesImageReader, openFileImageReader } from '../src/image/reader.js';
import type { ImageReader } from '../src/image/reader.js';
import { canClassicPayloadLimit, uartPayloadLimit } from '../src/transports/line-cost.js';
import { frameChannel } from '../src/link/index.js';

interface Scenario {
  readonly scenario: string;
  readonly link: 'uart' | 'can';
  readonly lineRate: number;
  readonly latencyMs: number;
  readonly loss: number;
  readonly maxFrame: number;
  readonly window: number;
}

const UART_FRAME = 4096 + 20;
const CAN_FRAME = 2048 + 20;
/**
 * CAN transmit queue per side, frames. A real-time Node event loop refills the
 * queue in timer ticks of about 1 ms; 8 mailboxes (0.9 ms of bus at 1 Mbit/s)
 * run dry between ticks, as a SocketCAN interface does with a short txqueuelen.
 * 128 frames is what `ip link set can0 txqueuelen 128` gives a flashing host.
 */
const CAN_TX_QUEUE = 128;

const scenarios: Scenario[] = [
  { scenario: 'uart-115200-2ms', link: 'uart', lineRate: 115_200, latencyMs: 2, loss: 0, maxFrame: UART_FRAME, window: 8 },
  { scenario: 'uart-115200-20ms', link: 'uart', lineRate: 115_200, latencyMs: 20, loss: 0, maxFrame: UART_FRAME, window: 8 },
  { scenario: 'uart-921600-2ms', link: 'uart', lineRate: 921_600, latencyMs: 2, loss: 0, maxFrame: UART_FRAME, window: 16 },
  { scenario: 'uart-921600-20ms', link: 'uart', lineRate: 921_600, latencyMs: 20, loss: 0, maxFrame: UART_FRAME, window: 16 },
  { scenario: 'can-500k', link: 'can', lineRate: 500_000, latencyMs: 1, loss: 0, maxFrame: CAN_FRAME, window: 16 },
  { scenario: 'can-1M', link: 'can', lineRate: 1_000_000, latencyMs: 1, loss: 0, maxFrame: CAN_FRAME, window: 16 },
  { scenario: 'uart-921600-20ms-loss1%', link: 'uart', lineRate: 921_600, latencyMs: 20, loss: 0.01, maxFrame: 1024 + 20, window: 32 },
  { scenario: 'can-1M-loss0.05%', link: 'can', lineRate: 1_000_000, latencyMs: 1, loss: 0.0005, maxFrame: 1024 + 20, window: 16 },
  { scenario: 'can-1M-loss1%', link: 'can', lineRate: 1_000_000, latencyMs: 1, loss: 0.01, maxFrame: 512 + 20, window: 32 },
  { scenario: 'can-1M-loss5%', link: 'can', lineRate: 1_000_000, latencyMs: 1, loss: 0.05, maxFrame: 256 + 20, window: 64 },
];

function payloadLimit(s: Scenario): number {
  return s.link === 'uart' ? uartPayloadLimit(s.lineRate) : canClassicPayloadLimit(s.lineRate);
}

interface Rig {
  host: FrameChannel;
  target: FrameChannel;
  close(): Promise<void>;
}

function rigFor(s: Scenario, faults: FaultSpec | undefined): Rig {
  const common = { scheduler: asyncScheduler, latencyMs: s.latencyMs, seed: 42, faults };
  if (s.link === 'can') {
    const link = createEmulatedLink({ ...common, mode: 'can', bitRate: s.lineRate, name: 'vcan-emu', txQueueFrames: CAN_TX_QUEUE });
    const o = { node: 5, maxFrame: s.maxFrame };
    return { host: frameChannel(link.host, 'host', o).channel, target: frameChannel(link.target, 'target', o).channel, close: () => link.close() };
  }
  const link = createEmulatedLink({ ...common, mode: 'bytes', bitRate: s.lineRate, name: 'uart-emu' });
  const o = { maxFrame: s.maxFrame };
  return { host: frameChannel(link.host, 'host', o).channel, target: frameChannel(link.target, 'target', o).channel, close: () => link.close() };
}

async function runOnce(s: Scenario, source: ImageReader, dir: string): Promise<{ r: TransferResult; helloMs: number }> {
  const rig = rigFor(s, s.loss > 0 ? { loss: s.loss } : undefined);
  const sinkPath = join(dir, `${s.scenario}.bin`);
  rmSync(sinkPath, { force: true });
  rmSync(`${sinkPath}.held.json`, { force: true });
  const sink = new FileSink(sinkPath);
  const served = serveTarget(rig.target, sink, { window: 64 });
  try {
    const peer = await connect(rig.host, { window: s.window, tries: 5 });
    const events = await lastValueFrom(transfer(rig.host, source, { peer }));
    if (events.kind !== 'done') throw new Error(`${s.scenario}: no result`);
    return { r: events.result, helloMs: peer.setupMs };
  } finally {
    await served.close();
    sink.close();
    await rig.close();
  }
}

function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

async function memoryRun(json: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-bench-mem-'));
  const mib = 64;
  const path = join(dir, 'image.bin');
  for (let i = 0; i < mib; i++) writeFileSync(path, randomBytes(1024 * 1024), { flag: i === 0 ? 'w' : 'a' });
  const s: Scenario = { scenario: `memory-${mib}MiB`, link: 'uart', lineRate: 4_000_000_000, latencyMs: 0, loss: 0, maxFrame: 65_551, window: 16 };
  const source = await openFileImageReader(path);
  const before = rssMb();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
  try {
    const { r } = await runOnce(s, source, dir);
    peak = Math.max(peak, rssMb());
    const line = { scenario: s.scenario, bytes: r.size, seconds: r.transferMs / 1000, rssBeforeMb: +before.toFixed(1), rssPeakMb: +peak.toFixed(1) };
    process.stdout.write(json ? JSON.stringify(line) + '\n' : `${s.scenario}: ${r.size} bytes in ${line.seconds.toFixed(2)} s, RSS ${line.rssBeforeMb} MB before, peak ${line.rssPeakMb} MB (host and target in one process)\n`);
  } finally {
    clearInterval(sampler);
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (process.argv.includes('--memory')) return memoryRun(json);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-bench-'));
  const source = bytesImageReader(new Uint8Array(randomBytes(256 * 1024)), 'random-256KiB');
  try {
    for (const s of scenarios) {
      if (only !== undefined && !s.scenario.includes(only)) continue;
      const { r, helloMs } = await runOnce(s, source, dir);
      const seconds = r.transferMs / 1000;
      const goodputBps = r.size / seconds;
      const limit = payloadLimit(s);
      const line = {
        scenario: s.scenario,
        link: s.link,
        lineRate: s.lineRate,
        latencyMs: s.latencyMs,
        loss: s.loss,
        bytes: r.size,
        seconds: +seconds.toFixed(4),
        goodputBps: Math.round(goodputBps),
        payloadLimitBps: Math.round(limit),
        efficiency: +(goodputBps / limit).toFixed(4),
        setupMs: +(helloMs + r.setupMs).toFixed(1),
        efficiencyWithSetup: +(r.size / ((r.transferMs + helloMs + r.setupMs) / 1000) / limit).toFixed(4),
        chunk: r.chunk,
        window: r.window,
        retransmits: r.counters.retransmits,
        timeouts: r.counters.timeouts,
        bytesSent: r.counters.bytesSent,
      };
      process.stdout.write(
        json
          ? JSON.stringify(line) + '\n'
          : `${s.scenario.padEnd(26)} ${(goodputBps / 1000).toFixed(2).padStart(7)} kB/s  efficiency ${line.efficiency.toFixed(3)}  (with setup ${line.efficiencyWithSetup.toFixed(3)}, setup ${line.setupMs} ms, chunk ${r.chunk}, window ${r.window}, retransmits ${r.counters.retransmits})\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
