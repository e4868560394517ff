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

/** Run `hilbridge ...args`. Concurrent runs (target + flash) share the captured streams. */
export async function runCli(...args: string[]): Promise<CliRun> {
  if (depth++ === 0) {
    out.length = 0;
    err.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
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
