/**
 * Progress as a process shows it (`hilbridge demo` provisions over an
 * emulated link in one process): stderr piped gets plain lines and no escape
 * code; a pseudo-terminal (`script`) gets the bar; NO_COLOR and TERM=dumb
 * get no escape codes, TERM=dumb no bar.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, hilbridgeEnv } from './child-cli.js';

const DEMO = ['demo', '--code-size', '16384'];

/** `hilbridge ...args` on a pseudo-terminal: everything it wrote to the terminal (stdout and stderr together). */
function onTerminal(env: Record<string, string>, ...args: string[]): Promise<{ code: number; output: string }> {
  const cmd = [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args].map((a) => `'${a}'`).join(' ');
  const { NO_COLOR: _drop, ...base } = process.env;
  return new Promise((resolve) => {
    execFile('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, env: { ...base, ...env } }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: stdout });
    });
  });
}

describe('progress on stderr', () => {
  it('stderr piped: plain lines up to (100 %), no escape code, no bar; stdout keeps the results', async () => {
    const r = await hilbridgeEnv({ TERM: 'xterm' }, ...DEMO);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Writing at 0x00000000\.\.\. \(0 %\)\n(Writing at 0x[0-9a-f]{8}\.\.\. \(\d+ %\)\n)*Writing at 0x[0-9a-f]{8}\.\.\. \(100 %\)\n$/);
    expect(r.stderr + r.stdout).not.toContain('\u001b');
    expect(r.stderr + r.stdout).not.toContain('\r');
    expect(r.stdout).toMatch(/demo complete\n$/);
    expect(r.stdout).not.toContain('Writing at');
  });

  it('a terminal: the bar, redrawn in place and cleared with an escape code', async () => {
    const r = await onTerminal({ TERM: 'xterm' }, ...DEMO);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\r {2}provisioning \[#{30}\] 100% \|/);
    expect(r.output).toContain('\x1b[K');
    expect(r.output).not.toContain('Writing at');
  });

  it('a terminal with NO_COLOR: the bar without a single escape code', async () => {
    const r = await onTerminal({ TERM: 'xterm', NO_COLOR: '1' }, ...DEMO);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\r {2}provisioning \[#{30}\] 100% \|/);
    expect(r.output).not.toContain('\u001b');
  });

  it('a terminal with TERM=dumb: plain lines, no bar, no escape code', async () => {
    const r = await onTerminal({ TERM: 'dumb' }, ...DEMO);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/Writing at 0x[0-9a-f]{8}\.\.\. \(100 %\)/);
    expect(r.output).not.toContain('provisioning [');
    expect(r.output).not.toContain('\u001b');
  });

  it('--quiet: no progress at all', async () => {
    const r = await hilbridgeEnv({}, '-q', ...DEMO);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
