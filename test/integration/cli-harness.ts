/**
 * Run the real `hilbridge` program in this process and capture what it
 * writes, its exit code included (commands set process.exitCode; commander
 * rejections map to 2 as in main.ts).
 */
import { CommanderError } from 'commander';
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

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

/** Resolves once the stdout captured after `since` (a mark) matches `pattern` (woken by writes, never by polling). */
export function outputMatches(pattern: RegExp, since: number): Promise<void> {
  const test = (): boolean => pattern.test(out.slice(since).join(''));
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
    await buildProgram().parseAsync(['node', 'hilbridge', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  } finally {
    process.exitCode = undefined;
    if (--depth === 0) vi.restoreAllMocks();
  }
  return { code, stdout: out.slice(from.out).join(''), stderr: err.slice(from.err).join('') };
}


/** JSON lines of a run's stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
