/**
 * Image throughput over kernel links, host and target in two processes:
 *   hil/with-vcan npx tsx hil/bench-image.ts [--link can|pty|both] [--kib 512] [--runs 3] [--json]
 * Known problem: inside UML the CAN target child fails to open vcan0 ("cannot open a CAN
 * socket"), not yet understood; the vcan0 figure in docs/performance.md comes from
 * `hilbridge flash --json` (transferMs) instead. --link pty works.
 * The host sends a random image (default 512 KiB: more than an HXE slot
 * holds, so this runs the engine directly, as `hilbridge flash` does) with
 * the engine's windowed transfer, chunk and window as `flash` picks them
 * (256-byte chunks on classic CAN); the target child serves it into a
 * FileSink. Links are opened exactly as the CLI opens them, by the link
 * library (src/link): vcan0 node 5 through the `socketcan` transport, or a
 * socat pty pair through the UART transport, each with its link profile. Throughput = image bytes / transferMs (BEGIN .. DONE).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import { openLink } from '../src/link/index.js';
import type { LinkTarget } from '../src/link/index.js';
import { CONNECT_DEFAULTS, FileSink, connect, serveTarget, transfer } from '../src/protocol/engine/index.js';
import { parseLinkSpec } from '../src/transports/registry.js';
import { bytesImageReader } from '../src/image/reader.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : (process.argv[i + 1] ?? dflt);
};

/** The link of `--can <iface> --node <n>` or `--uart <path>`, as the target child is told. */
function linkTarget(args: readonly string[]): LinkTarget {
  return args[0] === '--can' ? { spec: parseLinkSpec(`can:${args[1]!}`), node: Number(args[3]) } : { spec: parseLinkSpec(`uart:${args[1]!}`) };
}

/** Request timing as `flash` uses it by default (500 ms per try, 3 tries). */
const REQUEST = { timeoutMs: 500, tries: CONNECT_DEFAULTS.tries } as const;

async function target(linkTo: LinkTarget, dir: string): Promise<void> {
  const link = await openLink(linkTo, 'target');
  const sink = new FileSink(join(dir, 'image.bin'));
  const served = serveTarget(link.channel, sink, link.profile.window === undefined ? {} : { window: link.profile.window });
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await served.close();
  sink.close();
  await link.close();
}

async function untilReady(child: ChildProcess): Promise<void> {
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench target exited ${code}: ${out}`)));
  });
}

async function host(kind: 'can' | 'pty', kib: number, runs: number, json: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-image-'));
  const children: ChildProcess[] = [];
  try {
    let hostOpts: string[];
    let targetOpts: string[];
    if (kind === 'can') {
      if (!existsSync('/sys/class/net/vcan0')) throw new Error('vcan0 does not exist: run under hil/with-vcan');
      hostOpts = ['--can', 'vcan0', '--node', '5'];
      targetOpts = ['--can', 'vcan0', '--node', '5'];
    } else {
      const [a, b] = [join(dir, 'a'), join(dir, 'b')];
      children.push(spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' }));
      const deadline = Date.now() + 5000;
      while (!(existsSync(a) && existsSync(b))) {
        if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
        await new Promise((r) => setTimeout(r, 10));
      }
      hostOpts = ['--uart', b];
      targetOpts = ['--uart', a];
    }
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--role', 'target', '--dir', dir, ...targetOpts], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await untilReady(child);
    const image = new Uint8Array(randomBytes(kib * 1024));
    for (let run = 1; run <= runs; run++) {
      const link = await openLink(linkTarget(hostOpts), 'host');
      try {
        const peer = await connect(link.channel, { ...REQUEST, ...(link.profile.maxChunk === undefined ? {} : { maxChunk: link.profile.maxChunk }) });
        const done = await lastValueFrom(transfer(link.channel, bytesImageReader(image, `random-${kib}KiB`), { peer, fresh: true }));
        if (done.kind !== 'done') throw new Error('transfer ended without DONE');
        const r = done.result;
        const line = {
          bench: 'image', link: kind === 'can' ? 'vcan0' : 'pty', run, bytes: r.size, transferMs: Math.round(r.transferMs), bytesPerSecond: Math.round(r.size / (r.transferMs / 1000)),
          chunk: r.chunk, window: r.window, retransmits: r.counters.retransmits, bytesSent: r.counters.bytesSent, timeouts: r.counters.timeouts,
        };
        process.stdout.write(json ? JSON.stringify(line) + '\n' : `image over ${line.link}: ${r.size} B in ${line.transferMs} ms = ${line.bytesPerSecond} B/s (chunk ${r.chunk}, window ${r.window}, retransmits ${line.retransmits}, bytes sent ${line.bytesSent})\n`);
      } finally {
        await link.close();
      }
    }
  } finally {
    for (const c of children.reverse()) {
      c.kill('SIGTERM');
      if (c.exitCode === null) await new Promise((r) => c.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (arg('role', 'host') === 'target') {
    const i = process.argv.indexOf('--dir');
    const rest = process.argv.slice(i + 2);
    return target(linkTarget(rest), process.argv[i + 1]!);
  }
  const which = arg('link', 'both');
  const kib = Number(arg('kib', '512'));
  const runs = Number(arg('runs', '3'));
  const json = process.argv.includes('--json');
  if (which !== 'can') await host('pty', kib, runs, json);
  if (which !== 'pty') await host('can', kib, runs, json);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-image failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
