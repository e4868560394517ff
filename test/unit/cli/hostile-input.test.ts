/**
 * Hostile files on the command line, as an attacker or an unlucky user hands
 * them over: each gets a typed error code and exit 1 or 2 in seconds with
 * bounded memory (the children run with a 96 MB heap), and never hides the
 * result of the next file.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage, jsonMailboxSection } from '../hxe/helpers/build-image.js';
import { hilbridge, hilbridgeEnv, ROOT } from './child-cli.js';

const FIX = join(ROOT, 'test/fixtures/');
const dir = mkdtempSync(join(tmpdir(), 'hilbridge-hostile-'));
const SMALL_HEAP = { NODE_OPTIONS: '--max-old-space-size=96' };

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** A sparse file of `bytes` zero bytes: no newline, no disk. */
function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return path;
}

const errorOf = (stdout: string): { code: string; message: string } => (JSON.parse(stdout.trim().split('\n').pop()!) as { error: { code: string; message: string } }).error;

describe('inspect on hostile files', () => {
  it('a CRC-valid image whose .mailbox JSON nests 30,000 arrays is invalid (bad_mailbox_json), and the next file is still reported', async () => {
    const deep = join(dir, 'deep-mailbox.hxe');
    writeFileSync(deep, buildImage({ sections: [jsonMailboxSection('['.repeat(30_000) + ']'.repeat(30_000))] }));
    const r = await hilbridge('inspect', '--json', deep, FIX + 'hsx/v2/calib.hxe');
    expect(r.code).toBe(1);
    const [bad, good] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(bad).toMatchObject({ valid: false, error: { code: 'bad_mailbox_json' } });
    expect((bad!.error as { message: string }).message).toMatch(/nests deeper than 16 levels/);
    expect(good).toMatchObject({ valid: true, appName: 'calib' });
  }, 20_000);

  it('/dev/zero, a FIFO and a directory are refused at once with their own codes (exit 2), each file still gets its line', async () => {
    const pipe = fifo('inspect.fifo');
    const r = await hilbridge('inspect', '--json', '/dev/zero', pipe, dir, FIX + 'hsx/v2/calib.hxe');
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; valid: boolean; error: { code: string; message: string } | null });
    expect(lines.map((l) => [l.path, l.error?.code ?? null])).toEqual([
      ['/dev/zero', 'file_not_regular'],
      [pipe, 'file_not_regular'],
      [dir, 'file_is_directory'],
      [FIX + 'hsx/v2/calib.hxe', null],
    ]);
    expect(lines[0]!.error!.message).toContain('is a device');
    expect(lines[1]!.error!.message).toContain('is a FIFO');
  }, 20_000);

  it('a file longer than any HXE image can be is refused without reading it (file_too_large)', async () => {
    const r = await hilbridge('inspect', sparse('huge.hxe', 512 * 1024 * 1024));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/\[file_too_large\].*is 536870912 bytes; a image is at most 196704 bytes/);
  }, 20_000);
});

describe('fmap --fram on hostile files', () => {
  it('/dev/zero and a FIFO: file_not_regular, exit 2, in seconds', async () => {
    for (const path of ['/dev/zero', fifo('fram.fifo')]) {
      const r = await hilbridge('fmap', '--fram', path, '--json');
      expect(r.code).toBe(2);
      expect(errorOf(r.stdout).code).toBe('file_not_regular');
    }
  }, 20_000);
});

describe('pack on hostile files', () => {
  it('code = "/dev/zero" in the description: file_not_regular, exit 2', async () => {
    const desc = join(dir, 'zero.toml');
    writeFileSync(desc, readFileSync(FIX + 'pack/calib.toml', 'utf8').replace(/^code = .*$/m, 'code = "/dev/zero"'));
    const r = await hilbridge('pack', '--desc', desc, '-o', join(dir, 'zero.hxe'), '--json');
    expect(r.code).toBe(2);
    expect(errorOf(r.stdout)).toMatchObject({ code: 'file_not_regular', message: expect.stringContaining('code file "/dev/zero" is a device') as unknown });
  }, 20_000);

  it('a description nested 200,000 deep (TOML and JSON): too_deep, exit 1, a short message naming the line', async () => {
    const toml = join(dir, 'deep.toml');
    writeFileSync(toml, 'entry = 0\nx = ' + '['.repeat(200_000) + ']'.repeat(200_000) + '\n');
    const json = join(dir, 'deep.json');
    writeFileSync(json, '{"entry": 0,\n"x": ' + '['.repeat(200_000) + ']'.repeat(200_000) + '}');
    for (const desc of [toml, json]) {
      const r = await hilbridge('pack', '--desc', desc, '--code', FIX + 'pack/calib.code.bin', '-o', join(dir, 'deep.hxe'), '--json');
      expect(r.code).toBe(1);
      const err = errorOf(r.stdout);
      expect(err.code).toBe('too_deep');
      expect(err.message).toMatch(/line 2: brackets nest deeper than 32 levels/);
      expect(err.message.length).toBeLessThan(300);
    }
  }, 20_000);

  it('a description at depth 3,000 that the TOML parser itself rejects never echoes thousands of brackets', async () => {
    const desc = join(dir, 'broken.toml');
    writeFileSync(desc, 'entry = 0\nx = "unterminated\n' + '['.repeat(20) + ']'.repeat(20) + '\n');
    const r = await hilbridge('pack', '--desc', desc, '--code', FIX + 'pack/calib.code.bin', '-o', join(dir, 'broken.hxe'), '--json');
    expect(r.code).toBe(1);
    expect(errorOf(r.stdout).code).toBe('bad_description');
    expect(errorOf(r.stdout).message.length).toBeLessThan(700);
  }, 20_000);
});

describe('decode on hostile files', () => {
  it('300 MB with no newline: not_a_capture (exit 2) within a 96 MB heap', async () => {
    const r = await hilbridgeEnv(SMALL_HEAP, 'decode', sparse('no-newline.log', 300 * 1024 * 1024), '--json');
    expect(r.code).toBe(2);
    expect(errorOf(r.stdout)).toMatchObject({ code: 'not_a_capture', message: expect.stringContaining('line 1 is not one') as unknown });
  }, 60_000);

  it('an over-long line among good ones is one unreadable line, numbered, and decoding goes on', async () => {
    const log = join(dir, 'mixed.log');
    // STATUS to node 5 and its RESULT (the capture in decode.test.ts)
    const good = ['(1700000000.000100) vcan0 4A0#4842010C00000000', '(1700000000.000200) vcan0 4A1#00000001BD6F0FF3'];
    writeFileSync(log, ['x'.repeat(5000), ...good].join('\n') + '\n');
    const r = await hilbridge('decode', log, '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { unparsedLines: number; messages: number };
    expect(summary.unparsedLines).toBe(1);
    expect(summary.messages).toBeGreaterThan(0);
  }, 20_000);

  it('/dev/zero and a directory: typed errors, exit 2', async () => {
    const sub = join(dir, 'capdir');
    mkdirSync(sub);
    expect(errorOf((await hilbridge('decode', '/dev/zero', '--json')).stdout).code).toBe('file_not_regular');
    expect(errorOf((await hilbridge('decode', sub, '--json')).stdout).code).toBe('file_is_directory');
  }, 20_000);
});
