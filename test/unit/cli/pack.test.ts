/** `hilbridge pack`: the command in-process on real files in a temp dir, plus one run of the real program. */
import { execFile } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/pack.js';
import { PACK_DIR, V2_CASES, expectSameBytes, readFixture } from '../hxe/writer-helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `pack` with a fresh program, capturing output and the exit code the action sets. */
async function pack(...args: string[]): Promise<Run> {
  const program = new Command('hilbridge').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    process.exitCode = undefined;
    await program.parseAsync(['pack', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hilbridge-pack-'));
});
afterEach(() => {
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('hilbridge pack', () => {
  it.each(V2_CASES)('reproduces v2/$name.hxe from its description (code path inside the description)', async ({ name, desc }) => {
    const output = join(dir, `${name}.hxe`);
    const r = await pack('--desc', join(PACK_DIR, desc), '-o', output);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expectSameBytes(readFileSync(output), readFixture(name));
    expect(r.stdout).toMatch(new RegExp(`^packed ${output}: \\d+ bytes, crc32 0x[0-9a-f]{8}, sha256 [0-9a-f]{64}\\n$`));
  });

  it('--json prints path, size, the header and file CRC-32s and sha256; --code/--rodata override and are read from the given paths', async () => {
    writeFileSync(join(dir, 'app.toml'), 'app_name = "ro_demo"\ncapabilities = ["uart"]\n');
    writeFileSync(join(dir, 'code.bin'), new Uint8Array(8));
    writeFileSync(join(dir, 'ro.bin'), Uint8Array.of(0xde, 0xad, 0xbe));
    const output = join(dir, 'out.hxe');
    const r = await pack('-d', join(dir, 'app.toml'), '-c', join(dir, 'code.bin'), '-r', join(dir, 'ro.bin'), '-o', output, '--json');
    expect(r.code).toBe(0);
    const bytes = readFileSync(output);
    expect(bytes.subarray(0x68, 0x6b)).toEqual(Buffer.from([0xde, 0xad, 0xbe]));
    const o = JSON.parse(r.stdout) as Record<string, unknown>;
    const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
    expect(o).toEqual({ event: 'packed', path: output, size: 96 + 8 + 3, headerCrc32: hex8(bytes.readUInt32BE(0x1c)), fileCrc32: hex8(crc32(bytes)), sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('bad description content: exit 1, the message names the file and the field, the old image stays', async () => {
    const descPath = join(dir, 'bad.toml');
    writeFileSync(descPath, 'code = "c.bin"\n[[values]]\ngroup = 1\nid = 1\n[[values]]\ngroup = 1\nid = 7\npersist_key = 0xFFFF\n');
    writeFileSync(join(dir, 'c.bin'), new Uint8Array(4));
    const output = join(dir, 'keep.hxe');
    writeFileSync(output, 'previous image');
    const r = await pack('--desc', descPath, '-o', output);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`hilbridge: error [reserved_persist_key]: ${descPath}: values[1].persist_key: 0xFFFF is reserved; use 1..0xFFFE, or 0 for not persisted\n`);
    expect(readFileSync(output, 'utf8')).toBe('previous image');
  });

  it('schema errors exit 1 and with --json report code and field', async () => {
    const descPath = join(dir, 'bad.json');
    writeFileSync(descPath, JSON.stringify({ code: 'c.bin', mailboxes: [{ target: 'app:x', mode: 'RDWR|LOUD' }] }));
    const r = await pack('--desc', descPath, '-o', join(dir, 'x.hxe'), '--json');
    expect(r.code).toBe(1);
    const o = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; field: string; message: string } };
    expect(o.ok).toBe(false);
    expect(o.error).toMatchObject({ code: 'bad_description', field: 'mailboxes[0].mode' });
    expect(o.error.message).toContain('LOUD');
    expect(readdirSync(dir).sort()).toEqual(['bad.json']);
  });

  it('usage and I/O problems exit 2: missing files, no code, unknown format', async () => {
    writeFileSync(join(dir, 'nocode.toml'), 'app_name = "a"\n');
    writeFileSync(join(dir, 'app.yaml'), 'app_name: a\n');
    const cases: [string[], RegExp][] = [
      [['--desc', join(dir, 'missing.toml'), '-o', join(dir, 'o.hxe')], /\[file_unreadable\].*missing\.toml.*no such file/],
      [['--desc', join(dir, 'nocode.toml'), '-o', join(dir, 'o.hxe')], /\[missing_code\].*--code/],
      [['--desc', join(dir, 'nocode.toml'), '--code', join(dir, 'nope.bin'), '-o', join(dir, 'o.hxe')], /\[file_unreadable\].*code file.*nope\.bin/],
      [['--desc', join(dir, 'app.yaml'), '-o', join(dir, 'o.hxe')], /\[unknown_format\].*--format/],
    ];
    for (const [args, message] of cases) {
      const r = await pack(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a failed write leaves neither a partial image nor a temp file (exit 2)', async () => {
    const output = join(dir, 'occupied');
    mkdirSync(output); // rename over a directory fails after the temp file was written
    copyFileSync(join(PACK_DIR, 'telemetry.code.bin'), join(dir, 'code.bin'));
    writeFileSync(join(dir, 'app.json'), '{"code": "code.bin"}');
    const r = await pack('--desc', join(dir, 'app.json'), '-o', output);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[file_unwritable\].*occupied/);
    expect(readdirSync(dir).sort()).toEqual(['app.json', 'code.bin', 'occupied']);
    expect(readdirSync(output)).toEqual([]);
  });
});

describe('hilbridge pack via the real program', () => {
  it('is registered and reproduces a fixture from the command line', async () => {
    const output = join(dir, 'calib.hxe');
    const r = await new Promise<Run>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'pack', '--desc', join(PACK_DIR, 'calib.toml'), '-o', output], { cwd: ROOT }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
      );
    });
    expect(r.code).toBe(0);
    expectSameBytes(readFileSync(output), readFixture('calib'));
  }, 20_000);
});
