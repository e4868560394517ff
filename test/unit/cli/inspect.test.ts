/** `hilbridge inspect` as a user runs it: the real program in a child process on real fixture files. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hilbridge, hilbridgeIntoClosedPipe, ROOT } from './child-cli.js';

const FIX = join(ROOT, 'test/fixtures/hsx/');
const expected = JSON.parse(readFileSync(FIX + 'expected.json', 'utf8')) as Record<string, { crc32: number; sha256: string }>;

const JSON_KEYS = [
  'event', 'path', 'valid', 'error', 'version', 'flags', 'entry', 'codeLen', 'roLen', 'bssSize', 'reqCaps', 'headerCrc32', 'computedHeaderCrc32',
  'appName', 'allowMultipleInstances', 'metaOffset', 'metaCount', 'size', 'fileCrc32', 'sha256', 'values', 'commands', 'mailboxes',
];
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

describe('hilbridge inspect', () => {
  it('prints a readable summary and exits 0 for valid images', async () => {
    const r = await hilbridge('inspect', FIX + 'v2/calib.hxe', FIX + 'v2/motor_ctl.hxe');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('v2/calib.hxe: valid HXE v2 image');
    expect(r.stdout).toContain('app name      calib, single instance (a second load is refused with EEXIST)');
    expect(r.stdout).toContain('crc32         0x237bfa6e (ok)');
    expect(r.stdout).toContain('requires      valueCmd, fram (0x6)');
    expect(r.stdout).toContain('2.2 offset = -0.25 V (raw 0xb400) flags persist auth PUBLIC');
    expect(r.stdout).toContain('2.20 save handler 0x14 flags - auth PUBLIC "Persist calibration"');
    expect(r.stdout).toContain('app:telemetry capacity 96 mode RDWR|FANOUT (0x0b)');
  }, 20_000);

  it('--json: one object per image per line with exactly the documented keys', async () => {
    const names = ['v1/examples_c_hello.hxe', 'v2/telemetry.hxe'];
    const r = await hilbridge('inspect', '--json', ...names.map((n) => FIX + n));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    lines.forEach((o, i) => {
      expect(Object.keys(o)).toEqual(JSON_KEYS);
      expect(o).toMatchObject({ event: 'image', valid: true, error: null, headerCrc32: hex8(expected[names[i]!]!.crc32), sha256: expected[names[i]!]!.sha256 });
    });
    expect(lines[1]!.path).toBe(FIX + names[1]!);
    expect(lines[1]!.mailboxes).toEqual([
      { target: 'app:log', capacity: 64, modeMask: 3, ownerPid: null, bindings: [] },
      { target: 'shared:metrics', capacity: 192, modeMask: 19, ownerPid: null, bindings: [] },
    ]);
  }, 20_000);

  it('exits 1 when any image is invalid and still reports the readable header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hilbridge-inspect-'));
    const bad = join(dir, 'bad.hxe');
    const bytes = readFileSync(FIX + 'v2/calib.hxe');
    bytes[0x70]! ^= 0x10;
    writeFileSync(bad, bytes);
    const json = await hilbridge('inspect', '--json', FIX + 'v2/calib.hxe', bad);
    expect(json.code).toBe(1);
    const [good, broken] = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(good!.valid).toBe(true);
    expect(Object.keys(broken!)).toEqual(JSON_KEYS);
    expect(broken).toMatchObject({ valid: false, error: { code: 'crc_mismatch', offset: 0x1c }, version: 2, codeLen: 40, headerCrc32: '237bfa6e', appName: 'calib', values: null });
    expect(broken!.computedHeaderCrc32).not.toBe('237bfa6e');

    const human = await hilbridge('inspect', bad);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/bad\.hxe: INVALID \[crc_mismatch\] CRC-32 mismatch: header says 0x237bfa6e/);
    expect(human.stdout).toMatch(/crc32 {9}0x237bfa6e \(MISMATCH, computed 0x[0-9a-f]{8}\)/);
  }, 20_000);

  it('gives every file its result: a missing file (exit 2) hides neither the file before it nor the one after', async () => {
    const r = await hilbridge('inspect', FIX + 'v2/calib.hxe', '/nonexistent/image.hxe', FIX + 'v2/telemetry.hxe');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('v2/calib.hxe: valid HXE v2 image');
    expect(r.stdout).toContain('/nonexistent/image.hxe: ERROR [file_unreadable] cannot read image "/nonexistent/image.hxe": no such file');
    expect(r.stdout).toContain('v2/telemetry.hxe: valid HXE v2 image');

    const json = await hilbridge('inspect', '--json', '/nonexistent/image.hxe', FIX + 'v2/telemetry.hxe');
    expect(json.code).toBe(2);
    const [missing, good] = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(missing!)).toEqual(JSON_KEYS);
    expect(missing).toMatchObject({ path: '/nonexistent/image.hxe', valid: false, error: { code: 'file_unreadable', offset: null }, size: null });
    expect(good).toMatchObject({ path: FIX + 'v2/telemetry.hxe', valid: true });
  }, 20_000);

  it('stops quietly with 141 (as on SIGPIPE) when its reader goes away (`| head -1`)', async () => {
    // far more output than a pipe buffers, so the program is still writing when the reader closes
    const many = Array.from({ length: 400 }, () => FIX + 'v2/calib.hxe');
    const r = await hilbridgeIntoClosedPipe('inspect', ...many);
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('');
  });
});
