/**
 * Run the real `hilbridge` program in this process and capture what it
 * writes, its exit code included: runProgram is what main.ts runs (command
 * lookup, usage errors, exit codes); it sets process.exitCode.
 *
 * Virtual time (useVirtualTime): the program takes its time from RxJS's
 * asyncScheduler, which reads Date and setInterval at each call; with those
 * faked, `drive(p)` runs the program's timers in time order, and moves the
 * clock only when nothing else can happen: no promise continuation, no file
 * system request in flight. So timeouts, retransmissions and progress lines
 * come out the same on a busy machine as on an idle one: a timeout fires
 * because the peer was silent in virtual time, never because the machine
 * was slow.
 */
import { createHook } from 'node:async_hooks';
import { afterEach, beforeEach, vi } from 'vitest';
import { commandTable } from '../../src/cli/commands/index.js';
import { runProgram } from '../../src/cli/program.js';

// Commands load lazily (on first use); load them all now, so a run never waits for a module import
// while drive() moves virtual time on.
await Promise.all(commandTable.map((c) => c.load()));

/** File system requests in flight (fs/promises and callback fs): while any is, virtual time stands still. */
const fsInFlight = new Set<number>();
const fsRequests = createHook({
  init(id, type) {
    if (type.startsWith('FSREQ')) fsInFlight.add(id);
  },
  destroy(id) {
    fsInFlight.delete(id);
  },
});

/** One real turn of the event loop (setImmediate is never faked): promise continuations and finished I/O run. */
function realTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Run every test of the calling file on a virtual clock (Date, setTimeout, setInterval faked). */
export function useVirtualTime(): void {
  beforeEach(() => {
    fsRequests.enable();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    fsRequests.disable();
    fsInFlight.clear();
  });
}

/**
 * Await `p` while running the faked timers: let everything runnable run,
 * then, when no file system request is in flight, jump to the next timer.
 * Fails (instead of hanging) when `p` is still pending after `limitMs` of
 * virtual time.
 */
export async function drive<T>(p: Promise<T>, limitMs = 600_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  const end = Date.now() + limitMs;
  for (;;) {
    await realTurn();
    if (done) return watched;
    if (fsInFlight.size > 0 || vi.getTimerCount() === 0) continue;
    if (Date.now() > end) throw new Error(`still pending after ${limitMs} ms of virtual time`);
    vi.advanceTimersToNextTimer();
  }
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let depth = 0;
const out: string[] = [];
const err: string[] = [];
const waiters: { test: () => boolean; resolve: () => void }[] = [];

function capture(into: string[], chunk: string | Uint8Array): boolean {
  into.push(String(chunk));
  for (const w of [...waiters]) {
    if (w.test()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }
  return true;
}

/** A position in the captured stdout, for outputMatches. */
export function mark(): number {
  return out.length;
}

/** A position in the captured stderr, for stderrMatches. */
export function markStderr(): number {
  return err.length;
}

/** Resolves once the stdout captured after `since` (a mark) matches `pattern` (woken by writes, never by polling). */
export function outputMatches(pattern: RegExp, since: number): Promise<void> {
  return captureMatches(out, pattern, since);
}

/** Resolves once the stderr captured after `since` (markStderr) matches `pattern`. */
export function stderrMatches(pattern: RegExp, since: number): Promise<void> {
  return captureMatches(err, pattern, since);
}

function captureMatches(from: string[], pattern: RegExp, since: number): Promise<void> {
  const test = (): boolean => pattern.test(from.slice(since).join(''));
  if (test()) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ test, resolve }));
}

/** Run `hilbridge ...args`; returns what was written while it ran (concurrent runs, e.g. target + flash, share the streams). */
export async function runCli(...args: string[]): Promise<CliRun> {
  if (depth++ === 0) {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => capture(out, chunk));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => capture(err, chunk));
  }
  const from = { out: out.length, err: err.length };
  let code: number;
  try {
    process.exitCode = undefined;
    await runProgram(['node', 'hilbridge', ...args]);
    code = Number(process.exitCode ?? 0);
  } finally {
    process.exitCode = undefined;
    if (--depth === 0) vi.restoreAllMocks();
  }
  return { code, stdout: out.slice(from.out).join(''), stderr: err.slice(from.err).join('') };
}

/**
 * `hilbridge target <link...> --fram <fram> --json ...extra` in this process,
 * resolved once it serves (its `ready` line); the returned run ends when the
 * target stops (stopTargets in src/cli/commands/target.ts).
 */
export async function startTargetCli(link: readonly string[], fram: string, extra: readonly string[] = []): Promise<{ done: Promise<CliRun> }> {
  const since = mark();
  const done = runCli('target', ...link, '--fram', fram, '--json', ...extra);
  await drive(outputMatches(/"event":"ready"/, since));
  return { done };
}

/** JSON lines of a run's stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
