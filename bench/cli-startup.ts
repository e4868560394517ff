/**
 * Start-up benchmark of the built CLI (npm run bench; run `npm run build`
 * first, bench/run.ts does). Each figure is the median of `--runs=N` (10)
 * fresh processes, timed from spawn:
 *
 *   node         `node -e 0` until exit: the floor any Node program starts from
 *   version      `node dist/bin/hilbridge.js --version` until exit
 *   help         `... --help` until exit
 *   inspect      `... inspect samples/calib.hxe` until exit
 *   firstByte    `... status --uart <pty>` until its first byte (HELLO)
 *                arrives at the other end of a socat pty (then it is killed)
 *
 * Targets (docs/performance.md, Start-up): version and help 150 ms, first
 * byte 250 ms. `--json`: one line per figure. `--cli=<main.js>` measures
 * another build (the figures before lazy loading came from the previous commit's build).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const CLI = arg('cli') ?? join(ROOT, 'dist/bin/hilbridge.js');
const RUNS = Number(arg('runs') ?? 10);
const TARGET_MS: Record<string, number> = { version: 150, help: 150, firstByte: 250 };

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One run of the CLI (or of `node -e 0` with `bare`) until it exits, ms. */
function untilExit(args: string[], bare = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, bare ? ['-e', '0'] : [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(ms(t0)) : reject(new Error(`hilbridge ${args.join(' ')} exited ${code}`))));
  });
}

/** A pty whose output socat copies to a pipe; resolves once the pty's link exists. */
async function ptyToPipe(dir: string): Promise<{ path: string; firstByte: Promise<void>; stop: () => void }> {
  const path = join(dir, `pty${Math.random().toString(36).slice(2)}`);
  const socat = spawn('socat', ['-u', `pty,raw,echo=0,link=${path}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const firstByte = new Promise<void>((resolve, reject) => {
    socat.stdout.once('data', () => resolve());
    socat.once('exit', () => reject(new Error('socat ended before a byte arrived')));
  });
  firstByte.catch(() => undefined);
  for (let i = 0; i < 500 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(path)) throw new Error('socat did not create its pty (is socat installed?)');
  return { path, firstByte, stop: () => void socat.kill() };
}

/** One run of `status --uart <pty>` until its first byte is on the wire, ms. */
async function untilFirstByte(dir: string): Promise<number> {
  const pty = await ptyToPipe(dir);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, 'status', '--uart', pty.path, '--timeout', '5000'], { cwd: ROOT, stdio: 'ignore' });
  try {
    await Promise.race([pty.firstByte, new Promise((_, reject) => child.once('exit', (c) => reject(new Error(`status exited ${c} before sending`))))]);
    return ms(t0);
  } finally {
    child.kill();
    pty.stop();
  }
}

async function figure(name: string, once: () => Promise<number>): Promise<{ name: string; medianMs: number; minMs: number; maxMs: number; runs: number; targetMs: number | null }> {
  await once(); // warm the file cache
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await once());
  return { name, medianMs: +median(xs).toFixed(1), minMs: +Math.min(...xs).toFixed(1), maxMs: +Math.max(...xs).toFixed(1), runs: RUNS, targetMs: TARGET_MS[name] ?? null };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const load = loadavg()[0]!.toFixed(1);
  if (!json) process.stdout.write(`start-up of ${CLI} (load average ${load} on ${cpus().length} cores; "node" is \`node -e 0\`, the floor)\n`);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-startup-'));
  try {
    const figures = [
      () => figure('node', () => untilExit([], true)),
      () => figure('version', () => untilExit(['--version'])),
      () => figure('help', () => untilExit(['--help'])),
      () => figure('inspect', () => untilExit(['inspect', join(ROOT, 'samples/calib.hxe')])),
      () => figure('firstByte', () => untilFirstByte(dir)),
    ];
    for (const f of figures) {
      const r = await f();
      const verdict = r.targetMs === null ? '' : r.medianMs <= r.targetMs ? `  (target ${r.targetMs} ms: met)` : `  (target ${r.targetMs} ms: MISSED)`;
      process.stdout.write(json ? JSON.stringify({ bench: 'cli-startup', ...r, loadAverage: +load }) + '\n' : `startup ${r.name.padEnd(10)} median ${r.medianMs.toFixed(0).padStart(4)} ms  (min ${r.minMs.toFixed(0)}, max ${r.maxMs.toFixed(0)}, ${r.runs} runs)${verdict}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`startup bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
