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
const waiters: { pattern: RegExp; resolve: () => void }[] = [];

function capture(into: string[], chunk: string | Uint8Array): boolean {
  into.push(String(chunk));
  const text = out.join('');
  for (const w of [...waiters]) {
    if (w.pattern.test(text)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }
  return true;
}

/** Resolves once the captured stdout of the running commands matches `pattern` (woken by writes, never by polling). */
export function outputMatches(pattern: RegExp): Promise<void> {
  if (pattern.test(out.join(''))) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ pattern, resolve }));
}

/** Run `hilbridge ...args`. Concurrent runs (target + flash) share the captured streams. */
export async function runCli(...args: string[]): Promise<CliRun> {
  if (depth++ === 0) {
    out.length = 0;
    err.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => capture(out, chunk));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => capture(err, chunk));
  }
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
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** JSON lines of a run's stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
