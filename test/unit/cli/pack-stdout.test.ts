/** `hilbridge pack -o -`: the image on stdout (a pipe), the summary on stderr, refused on a terminal. The real program as a child process. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACK_DIR, V2_DIR } from '../hxe/writer-helpers.js';
import { ROOT } from './child-cli.js';

const CLI = `${process.execPath} --import tsx ${join(ROOT, 'src/cli/main.ts')}`;

function run(cmd: string, cwd: string): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { cwd, encoding: 'buffer' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hilbridge-pack-stdout-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('hilbridge pack -o -', () => {
  it('writes the image to stdout, byte for byte what -o <file> writes, the summary to stderr, and no file named -', async () => {
    const r = await run(`cd ${ROOT} && ${CLI} pack --desc ${join(PACK_DIR, 'motor_ctl.toml')} -o - | cat > ${join(dir, 'piped.hxe')}`, dir);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'piped.hxe'))).toEqual(readFileSync(join(V2_DIR, 'motor_ctl.hxe')));
    expect(r.stderr).toMatch(/^packed to stdout: \d+ bytes, crc32 0x[0-9a-f]{8}/);
    expect(existsSync(join(ROOT, '-'))).toBe(false);
    expect(existsSync(join(dir, '-'))).toBe(false);
  }, 30_000);

  it('--json: an error goes to stderr as text, never into the pipe that carries the image', async () => {
    const r = await run(`cd ${ROOT} && ${CLI} pack --desc ${join(dir, 'missing.toml')} -o - --json | od -c > ${join(dir, 'piped.txt')}`, dir);
    expect(readFileSync(join(dir, 'piped.txt'), 'utf8').trim()).toMatch(/^0+$/); // od of nothing: the offset line only
    expect(r.stderr).toMatch(/^hilbridge: error \[file_unreadable\]/);
  }, 30_000);

  it('refuses when stdout is a terminal: exit 2, stdout_is_tty, nothing written', async () => {
    const r = await run(`script -qfec "cd ${ROOT} && ${CLI} pack --desc ${join(PACK_DIR, 'motor_ctl.toml')} -o -" /dev/null`, dir);
    const tty = r.stdout.toString();
    expect(tty).toContain('error [stdout_is_tty]');
    expect(tty).not.toContain('HSXE');
    expect(r.code).toBe(2);
    expect(existsSync(join(ROOT, '-'))).toBe(false);
  }, 30_000);
});
