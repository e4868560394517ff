/**
 * The built `hilbridge` program as separate OS processes, for HIL tests:
 * `startCli` runs one in the background (lines captured, waits on output with
 * a deadline), `runCli` runs one to completion, `kill9` is a power cut.
 * Every process started here is tracked; `killAll()` (afterEach) SIGKILLs
 * what is still running and waits for it to exit.
 *
 * Runs `node dist/bin/hilbridge.js` (the shipped bundle): test/hil/global-setup.ts builds dist/ first
 * when src/ is newer (node starts it in ~0.2 s; tsx would compile each time).
 * Under User-Mode Linux a start takes ~4 s and a loaded CI machine has been
 * 2-4x slower than that, so the deadlines here guard against hangs only.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/bin/hilbridge.js', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface CliProc {
  readonly pid: number;
  readonly args: readonly string[];
  readonly exited: Promise<Exit>;
  /** stdout so far. */
  stdout(): string;
  stderr(): string;
  /** stdout lines that parse as JSON objects. */
  json(): Record<string, unknown>[];
  /** Resolves with the first JSON line matching `test` (checked on every write); rejects at the deadline or on exit. */
  waitForJson(test: (o: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill9(): Promise<Exit>;
  /** Send a signal (SIGINT is what Ctrl-C sends) and wait for the exit. */
  signal(sig: NodeJS.Signals): Promise<Exit>;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: Record<string, unknown>[];
}

const live = new Set<CliProc>();

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A process's command line, pid and the tails of its output, for failure messages. */
export function describeProc(p: CliProc): string {
  return `${p.args.join(' ')} (pid ${p.pid})\n--- stdout (tail)\n${p.stdout().slice(-1500)}\n--- stderr (tail)\n${p.stderr().slice(-1500)}`;
}

/** Start `hilbridge ...args` in the background. */
export function startCli(args: readonly string[]): CliProc {
  return startProcess(process.execPath, [CLI, ...args], ['hilbridge', ...args]);
}

/** Start any program (candump, cangen) in the background, tracked like the CLI's processes; `shown` names it in failures. */
export function startProcess(command: string, argv: readonly string[], shown: readonly string[] = [command, ...argv]): CliProc {
  const child: ChildProcessWithoutNullStreams = spawn(command, argv, { cwd: ROOT, stdio: 'pipe' });
  let out = '';
  let err = '';
  const wakers = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...wakers]) w();
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    wake();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    wake();
  });
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      done = true;
      live.delete(proc);
      resolve({ code, signal });
      wake();
    });
    child.once('error', (e) => {
      done = true;
      err += `spawn failed: ${e.message}\n`;
      live.delete(proc);
      resolve({ code: null, signal: null });
      wake();
    });
  });
  const proc: CliProc = {
    pid: child.pid ?? -1,
    args: shown,
    exited,
    stdout: () => out,
    stderr: () => err,
    json: () => jsonLines(out.slice(0, out.lastIndexOf('\n') + 1)),
    waitForJson(test, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = proc.json().find(test);
          if (hit !== undefined) finish(() => resolve(hit));
          else if (done) finish(() => reject(new Error(`${what}: the process exited first\n${describeProc(proc)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${what}: not seen within ${timeoutMs} ms\n${describeProc(proc)}`))), timeoutMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          wakers.delete(check);
          then();
        };
        wakers.add(check);
        check();
      });
    },
    async kill9() {
      return proc.signal('SIGKILL');
    },
    async signal(sig) {
      if (!done) child.kill(sig);
      return exited;
    },
  };
  live.add(proc);
  return proc;
}

/** Run `hilbridge ...args` to completion (SIGKILLed and rejected after `timeoutMs`). */
export async function runCli(args: readonly string[], timeoutMs = 120_000): Promise<CliRun> {
  const p = startCli(args);
  const timer = setTimeout(() => void p.kill9(), timeoutMs);
  const exit = await p.exited;
  clearTimeout(timer);
  if (exit.signal !== null) throw new Error(`killed by ${exit.signal} (deadline ${timeoutMs} ms?)\n${describeProc(p)}`);
  return { code: exit.code, stdout: p.stdout(), stderr: p.stderr(), json: jsonLines(p.stdout()) };
}

/** Start `hilbridge target ...args --json` and wait for its ready line. */
export async function startTarget(args: readonly string[], timeoutMs = 60_000): Promise<{ proc: CliProc; ready: Record<string, unknown> }> {
  const proc = startCli(['target', ...args, '--json']);
  const ready = await proc.waitForJson((o) => o.event === 'ready', `target ${args.join(' ')} ready`, timeoutMs);
  return { proc, ready };
}

/** The result line of a `flash --json` run (the last line, always). */
export function resultOf(run: CliRun): Record<string, unknown> {
  const last = run.json.at(-1);
  if (last?.event !== 'result') throw new Error(`flash printed no result line (exit ${run.code})\n${run.stdout}\n${run.stderr}`);
  return last;
}

/** `status --json` over a link; fails the test unless it exits 0. */
export async function statusOf(link: readonly string[]): Promise<Record<string, unknown>> {
  const r = await runCli(['status', ...link, '--json']);
  if (r.code !== 0) throw new Error(`status ${link.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  const st = r.json.find((o) => o.event === 'status');
  if (st === undefined) throw new Error(`status ${link.join(' ')}: no JSON status\n${r.stdout}`);
  return st;
}

/** SIGKILL every process started here that is still running, and wait for each to exit. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill9()));
}
