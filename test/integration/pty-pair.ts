/** A socat pty pair and the CLI as child processes, for tests of what belongs to the process (exit codes, lingering, pipes). */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../unit/cli/child-cli.js';

/** Why pty tests cannot run here, or undefined when socat is on PATH. */
export const noSocat: string | undefined = spawnSync('socat', ['-V'], { stdio: 'ignore' }).error === undefined ? undefined : 'socat is not installed (apt-get install socat): pty-pair process tests skipped';

export interface PtyPair {
  readonly dir: string;
  readonly a: string;
  readonly b: string;
  readonly socat: ChildProcess;
  /** Kill socat (both ptys vanish) and remove the directory. */
  close(): void;
}

/** Start `socat pty,raw,echo=0,link=<dir>/a pty,raw,echo=0,link=<dir>/b` and wait for both links. */
export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const started = Date.now();
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() - started > 10_000) throw new Error('socat did not create the pty pair within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    dir, a, b, socat,
    close: () => {
      socat.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Child {
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal's name) and the time of exit (Date.now()). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves when stdout has a line matching `re`, with the time it was seen. */
  line(re: RegExp, timeoutMs?: number): Promise<number>;
}

/** `hilbridge ...args` as a child process (src via tsx), stdin a pipe the test may write to. */
export function cli(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiters: { re: RegExp; resolve: (at: number) => void }[] = [];
  const child: Child = {
    proc, stdout: '', stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }))),
    line(re, timeoutMs = 30_000) {
      if (re.test(child.stdout)) return Promise.resolve(Date.now());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${String(re)} within ${timeoutMs} ms; stdout: ${child.stdout} stderr: ${child.stderr}`)), timeoutMs);
        waiters.push({ re, resolve: (at) => (clearTimeout(t), resolve(at)) });
      });
    },
  };
  proc.stdout?.on('data', (d: Buffer) => {
    child.stdout += d.toString();
    const now = Date.now();
    for (const w of waiters.splice(0)) {
      if (w.re.test(child.stdout)) w.resolve(now);
      else waiters.push(w);
    }
  });
  proc.stderr?.on('data', (d: Buffer) => (child.stderr += d.toString()));
  return child;
}
