/** Run the real `hilbridge` program in a child process (from src/ via tsx), as a user would; exit code and output. */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function hilbridge(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return hilbridgeEnv({}, ...args);
}

/** `hilbridge(...args)` with extra environment variables (NODE_OPTIONS for a small heap, say). */
export function hilbridgeEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Run `hilbridge ...args` and close its stdout after the first bytes, as `| head -1` does; exit code and stderr. */
export function hilbridgeIntoClosedPipe(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
