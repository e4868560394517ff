/**
 * A connected pty pair from socat, for HIL tests: two device paths whose
 * writes appear on the other. `start()` waits until both exist; `stop()`
 * kills socat (by its own pid) and waits for it to exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PtyPair {
  readonly a: string;
  readonly b: string;
  stop(): Promise<void>;
}

/** Start `socat` with two raw ptys; rejects if both links are not there within `timeoutMs`. */
export async function startPtyPair(timeoutMs = 20_000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`socat did not create the pty pair within ${timeoutMs} ms: ${stderr}`);
    }
    await Promise.race([sleep(10), spawnError]);
  }
  return { a, b, stop };
}

/** Whether `cmd` is on PATH (socat, cangen, candump): tests skip with a reason when not. */
export function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
