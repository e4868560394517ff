/**
 * The capture file: bounded buffering, complete on process.exit, write errors
 * named with the file, and the replace rule. The exit and write-error cases
 * run in a child process (an exit hook and a file size limit belong to a process).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFile, FLUSH_BYTES } from '../../../src/capture/capture-file.js';
import { ROOT } from '../cli/child-cli.js';

const LINE = '(1700000000.000100) vcan0 4A0#4842010C00000000 T';

function child(script: string, shellPrefix = ''): Promise<{ code: number; signal: string | null; stderr: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'hilbridge-capchild-')), 'child.ts');
  writeFileSync(file, `import { CaptureFile } from ${JSON.stringify(join(ROOT, 'src/capture/capture-file.ts'))};\n${script}\n`);
  const cmd = `${shellPrefix} exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(file)}`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', cmd], { cwd: ROOT }, (err, _out, stderr) => resolve({ code: err ? Number(err.code) : 0, signal: err?.signal ?? null, stderr }));
  });
}

describe('CaptureFile', () => {
  it('holds at most FLUSH_BYTES before writing, and everything after close; mode 0644', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hilbridge-cap-')), 'a.log');
    const c = CaptureFile.open(path);
    c.line(LINE);
    expect(statSync(path).size).toBe(0);
    const per = LINE.length + 1;
    const n = Math.ceil(FLUSH_BYTES / per);
    for (let i = 1; i < n; i++) c.line(LINE);
    expect(statSync(path).size).toBe(n * per); // the buffer filled and was written
    c.line(LINE);
    expect(c.close()).toBeUndefined();
    expect(c.close()).toBeUndefined(); // idempotent
    expect(readFileSync(path, 'utf8')).toBe(`${LINE}\n`.repeat(n + 1));
    expect(statSync(path).mode & 0o777).toBe(0o644 & ~process.umask());
    c.line(LINE); // after close: ignored
    expect(statSync(path).size).toBe((n + 1) * per);
  });

  it('a process that exits (process.exit, a closed stdout) leaves the capture complete', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hilbridge-cap-')), 'exit.log');
    const r = await child(`const c = CaptureFile.open(${JSON.stringify(path)}); for (let i = 0; i < 3; i++) c.line(${JSON.stringify(LINE)}); process.exit(141);`);
    expect(r.code).toBe(141);
    expect(readFileSync(path, 'utf8')).toBe(`${LINE}\n`.repeat(3));
  });

  it("a process killed by Ctrl-C's default action (no handler: outside the transfer) keeps every line of the turns before", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hilbridge-cap-')), 'sigint.log');
    const script = `const c = CaptureFile.open(${JSON.stringify(path)}); for (let i = 0; i < 3; i++) c.line(${JSON.stringify(LINE)});
      setImmediate(() => setImmediate(() => process.kill(process.pid, 'SIGINT'))); setTimeout(() => undefined, 10_000);`;
    const r = await child(script);
    expect(r.signal).toBe('SIGINT');
    expect(readFileSync(path, 'utf8')).toBe(`${LINE}\n`.repeat(3));
  });

  it('a write error stops the recording and close() names the file and the first lost line', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hilbridge-cap-')), 'full.log');
    // ulimit -f 16: files end at 8 KiB; node ignores SIGXFSZ, so the write fails with EFBIG
    const script = `const c = CaptureFile.open(${JSON.stringify(path)}); for (let i = 0; i < 4000; i++) c.line(${JSON.stringify(LINE)});
      const e = c.close(); process.stderr.write(e === undefined ? 'none' : e.code + ': ' + e.message); process.exit(e === undefined ? 0 : 2);`;
    const r = await child(script, 'ulimit -f 16;');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^file_unwritable: cannot write capture "${path}": .*EFBIG.*; the capture is incomplete, lines from line 1 on may be missing`));
  });

  it('replaces an empty file or a capture; refuses any other file, a directory or a FIFO-like path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-cap-'));
    const old = join(dir, 'old.log');
    writeFileSync(old, 'vcan0  4A0   [2]  48 42\nmore\n');
    CaptureFile.open(old).close();
    expect(readFileSync(old, 'utf8')).toBe('');
    CaptureFile.open(old).close(); // empty: replaced too
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes\n');
    expect(() => CaptureFile.open(notes)).toThrow(expect.objectContaining({ code: 'file_exists' }) as Error);
    expect(readFileSync(notes, 'utf8')).toBe('my notes\n');
    expect(() => CaptureFile.open(dir)).toThrow(expect.objectContaining({ code: 'file_is_directory' }) as Error);
    expect(() => CaptureFile.open('/dev/null')).toThrow(expect.objectContaining({ code: 'file_not_regular' }) as Error);
  });
});
