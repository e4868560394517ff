/** `hilbridge image build` and `image verify` on real files: determinism across directories, every check, exit codes. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestJson, parseBundle } from '../../../src/bundle/index.js';
import { FIXED_SIGNED_SHA256, FIXTURES, TEST_PUB, TEST_SEED, fixedBundle, otherKey } from '../bundle/helpers.js';
import { cli, jsonLine, tempDir } from './bundle-cli.js';
import { hilbridge } from './child-cli.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** The fixed inputs of test/unit/bundle/helpers.ts as files in `at`: calib.hxe, vals.bin (0..99), seed.key (the RFC 8032 seed). */
function fixedFiles(at: string, mode: number, mtime: number): void {
  mkdirSync(at, { recursive: true });
  copyFileSync(join(FIXTURES, 'v2/calib.hxe'), join(at, 'calib.hxe'));
  writeFileSync(join(at, 'vals.bin'), Uint8Array.from({ length: 100 }, (_, i) => i));
  writeFileSync(join(at, 'seed.key'), TEST_SEED + '\n');
  for (const f of ['calib.hxe', 'vals.bin']) {
    chmodSync(join(at, f), mode);
    utimesSync(join(at, f), mtime, mtime);
  }
}

const buildFixed = (at: string, order: 'a' | 'b'): Promise<{ code: number; stdout: string; stderr: string }> => {
  const segs = [join(at, 'calib.hxe'), `values=${join(at, 'vals.bin')}`];
  return cli('image', 'build', '--out', join(at, 'out.hxb'), '--manifest', join(at, 'out.json'), '--sign', join(at, 'seed.key'), '--vendor', 'acme', '--board-class', 'hsx-a', '--security-counter', '7', ...(order === 'a' ? segs : segs.reverse()));
};

describe('hilbridge image build', () => {
  it('two directories, different modes, mtimes and argument order: byte-identical bundles and manifests, with the fixed hash', async () => {
    fixedFiles(join(dir, 'one'), 0o644, 1_000_000);
    fixedFiles(join(dir, 'two', 'deeper'), 0o400, 2_000_000_000);
    expect((await buildFixed(join(dir, 'one'), 'a')).code).toBe(0);
    expect((await buildFixed(join(dir, 'two', 'deeper'), 'b')).code).toBe(0);
    expect(sha(join(dir, 'one', 'out.hxb'))).toBe(FIXED_SIGNED_SHA256);
    expect(sha(join(dir, 'two', 'deeper', 'out.hxb'))).toBe(FIXED_SIGNED_SHA256);
    expect(readFileSync(join(dir, 'one', 'out.json'), 'utf8')).toBe(readFileSync(join(dir, 'two', 'deeper', 'out.json'), 'utf8'));
    expect(readFileSync(join(dir, 'one', 'out.json'), 'utf8')).toBe(manifestJson(parseBundle(fixedBundle(true))));
    // nothing but the outputs next to the inputs: the temp files were renamed
    expect(readdirSync(join(dir, 'one')).sort()).toEqual(['calib.hxe', 'out.hxb', 'out.json', 'seed.key', 'vals.bin']);
  });

  it('--json: the bundle_built line with the manifest and the signer', async () => {
    fixedFiles(dir, 0o644, 1);
    const r = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), join(dir, 'calib.hxe'), '--json');
    expect(r.code).toBe(0);
    const line = jsonLine(r);
    expect(line).toMatchObject({ event: 'bundle_built', path: join(dir, 'b.hxb'), manifestPath: join(dir, 'b.json'), signer: null, sha256: sha(join(dir, 'b.hxb')) });
    expect(line.manifest).toEqual(JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')));
  });

  it('a bare path that is not an HXE image must name its kind', async () => {
    fixedFiles(dir, 0o644, 1);
    const r = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), join(dir, 'calib.hxe'), join(dir, 'vals.bin'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error [invalid_segment]: segment "${join(dir, 'vals.bin')}" is not an HXE image (no "HSXE" magic): name its kind: boot=${join(dir, 'vals.bin')}`);
    const bad = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), `firmware=${join(dir, 'vals.bin')}`);
    expect(bad.stderr).toContain('"firmware" is not a kind; kinds are boot, hxe, values, data');
    expect(readdirSync(dir)).not.toContain('b.hxb');
  });

  it('a FIFO, a directory or a missing file as a segment is refused with exit 2', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const [arg, code] of [[`data=${join(dir, 'fifo')}`, 'file_not_regular'], [`data=${dir}`, 'file_is_directory'], [`boot=${join(dir, 'missing')}`, 'file_unreadable']] as const) {
      const r = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), '--name', 'x', arg);
      expect(r.code, arg).toBe(2);
      expect(r.stderr).toContain(`error [${code}]`);
    }
  });

  it('names the argument of a segment the library refuses; a bad option value is a usage error', async () => {
    const v1 = join(FIXTURES, 'v1/examples_c_hello.hxe');
    const r = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), join(FIXTURES, 'v2/calib.hxe'), v1);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`segment 1 ("${v1}") is an HXE image without an app name`);
    const same = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, '.', 'b.hxb'), v1);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('--out and --manifest both name');
    const c = await cli('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), '--security-counter', '-1', v1);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--security-counter "-1" is not a whole number in 0..4294967295');
  });
});

describe('hilbridge image verify', () => {
  beforeEach(async () => {
    fixedFiles(dir, 0o644, 1);
    expect((await buildFixed(dir, 'a')).code).toBe(0);
  });
  const bundle = (): string => join(dir, 'out.hxb');

  it('passes every check, with the manifest file and the signer as a PEM or hex key', async () => {
    writeFileSync(join(dir, 'test.pub'), `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(TEST_PUB, 'hex')]).toString('base64')}\n-----END PUBLIC KEY-----\n`);
    const r = await cli('image', 'verify', bundle(), '--manifest', join(dir, 'out.json'), '--pub', join(dir, 'test.pub'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid bundle "calib", \d+ bytes, sha256 [0-9a-f]{64}, signed by ed25519 key [0-9a-f]{16}; manifest file matches, signer trusted\n/);
    const j = await cli('image', 'verify', bundle(), '--pub', Buffer.from(otherKey.raw).toString('hex'), '--pub', TEST_PUB, '--json');
    expect(jsonLine(j)).toMatchObject({ event: 'bundle_verified', manifestChecked: false, signerTrusted: true, sha256: FIXED_SIGNED_SHA256 });
  });

  it('an unknown signer: exit 1, the key id named', async () => {
    const r = await cli('image', 'verify', bundle(), '--pub', Buffer.from(otherKey.raw).toString('hex'), '--json');
    expect(r.code).toBe(1);
    const info = parseBundle(readFileSync(bundle()));
    expect(jsonLine(r)).toMatchObject({ event: 'error', error: { code: 'unknown_key', message: expect.stringContaining(`signed by key ${info.signature!.keyId}`) as unknown } });
  });

  it('a manifest file that differs: exit 1 naming the field', async () => {
    const m = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { segments: { size: number }[] };
    m.segments[1]!.size += 1;
    writeFileSync(join(dir, 'other.json'), JSON.stringify(m));
    const r = await cli('image', 'verify', bundle(), '--manifest', join(dir, 'other.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [manifest_mismatch]: manifest file');
    expect(r.stderr).toContain('segments[1].size: file has 101, the bundle has 100');
    writeFileSync(join(dir, 'junk.json'), '{');
    expect((await cli('image', 'verify', bundle(), '--manifest', join(dir, 'junk.json'))).stderr).toContain('not JSON');
    writeFileSync(join(dir, 'spaced.json'), readFileSync(join(dir, 'out.json'), 'utf8').replace('\n', '\n '));
    const spaced = await cli('image', 'verify', bundle(), '--manifest', join(dir, 'spaced.json'));
    expect(spaced.code).toBe(1);
    expect(spaced.stderr).toContain('the fields agree, but the text is not the canonical form');
  });

  it('a changed byte: exit 1, the segment and the check named, the file named', async () => {
    const b = readFileSync(bundle());
    const values = parseBundle(b).manifest.segments.find((s) => s.kind === 'values')!;
    b[values.offset + 3]! ^= 0x40;
    writeFileSync(bundle(), b);
    const r = await cli('image', 'verify', bundle());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error [segment_sha256_mismatch]: bundle "${bundle()}": segment "values" (values, 100 bytes at 0x${values.offset.toString(16)}): SHA-256 is`);
  });

  it('an unsigned bundle with --pub: not_signed; a bad --pub: exit 2', async () => {
    const r = await cli('image', 'build', '-o', join(dir, 'u.hxb'), '--manifest', join(dir, 'u.json'), join(dir, 'calib.hxe'));
    expect(r.code).toBe(0);
    expect((await cli('image', 'verify', join(dir, 'u.hxb'))).code).toBe(0);
    const n = await cli('image', 'verify', join(dir, 'u.hxb'), '--pub', TEST_PUB);
    expect(n.code).toBe(1);
    expect(n.stderr).toContain('error [not_signed]');
    const bad = await cli('image', 'verify', join(dir, 'u.hxb'), '--pub', join(dir, 'calib.hxe'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`error [bad_key]: public key file "${join(dir, 'calib.hxe')}": not an Ed25519 public key`);
  });

  it('a FIFO as the bundle is refused at once', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const r = await cli('image', 'verify', join(dir, 'fifo'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [file_not_regular]');
  });
});

describe('exit codes of the real program', () => {
  it('image verify: 0 valid, 1 a failed check (on stderr, nothing on stdout), 2 an unreadable file', async () => {
    writeFileSync(join(dir, 'b.hxb'), fixedBundle(true));
    const ok = await hilbridge('image', 'verify', join(dir, 'b.hxb'), '--pub', TEST_PUB);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const bad = fixedBundle(true);
    bad[72]! ^= 2; // a letter of the bundle name: a valid name, but not the signed one
    writeFileSync(join(dir, 'bad.hxb'), bad);
    const failed = await hilbridge('image', 'verify', join(dir, 'bad.hxb'));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^hilbridge: error \[bad_signature\]: bundle ".*bad\.hxb": /);
    const missing = await hilbridge('image', 'verify', join(dir, 'missing.hxb'), '--json');
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ event: 'error', error: { code: 'file_unreadable' } });
  });
});
