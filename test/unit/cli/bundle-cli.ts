/** Run the whole program in process (as main.ts does, without the process bits), capturing stdout, stderr and the exit code. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { runProgram } from '../../../src/cli/program.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += typeof s === 'string' ? s : Buffer.from(s).toString()), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += typeof s === 'string' ? s : Buffer.from(s).toString()), true));
  try {
    process.exitCode = undefined;
    await runProgram(['node', 'hilbridge', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'hilbridge-bundle-cli-'));

/** The one JSON line of a --json run. */
export function jsonLine(r: Run): Record<string, unknown> {
  const lines = r.stdout.split('\n').filter(Boolean);
  if (lines.length !== 1) throw new Error(`expected one JSON line, got: ${r.stdout}${r.stderr}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}
