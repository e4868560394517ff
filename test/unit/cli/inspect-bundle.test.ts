/** `hilbridge inspect` on bundles: manifest, segments, signer, each hxe segment as inspect shows an image; HXE files as before. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBundle } from '../../../src/bundle/index.js';
import { formatHuman, toJson } from '../../../src/cli/commands/inspect.js';
import { parseJsonLine } from '../../../src/cli/json/index.js';
import { inspectHxe } from '../../../src/hxe/parse.js';
import { FIXTURES, fixedBundle, testKey } from '../bundle/helpers.js';
import { cli, tempDir } from './bundle-cli.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'b.hxb'), fixedBundle(true));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const calib = new Uint8Array(readFileSync(join(FIXTURES, 'v2/calib.hxe')));

describe('hilbridge inspect on a bundle', () => {
  it('prints the manifest, the segments, the signer, then each hxe segment as inspect prints the image', async () => {
    const r = await cli('inspect', join(dir, 'b.hxb'));
    expect(r.code).toBe(0);
    const info = parseBundle(fixedBundle(true));
    expect(r.stdout).toContain(`${join(dir, 'b.hxb')}: valid bundle "calib" (format 1), ${info.size} bytes, sha256 ${info.sha256}, signed by ed25519 key ${testKey.keyId}\n`);
    expect(r.stdout).toContain('  vendor        acme\n  board class   hsx-a\n  security      counter 7\n');
    expect(r.stdout).toMatch(/ {4}hxe {4}calib  +312 B at 0x140 sha256 [0-9a-f]{64}\n {4}values values +100 B at 0x280 sha256/);
    expect(r.stdout.endsWith(formatHuman(`${join(dir, 'b.hxb')}#calib`, inspectHxe(calib)))).toBe(true);
  });

  it('--json: a bundle line, then an image line per hxe segment equal to the image file\'s (but for path and fileCrc32)', async () => {
    const r = await cli('inspect', join(dir, 'b.hxb'), join(FIXTURES, 'v2/calib.hxe'), '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => parseJsonLine(JSON.parse(l)));
    expect(lines.map((l) => l.event)).toEqual(['bundle', 'image', 'image']);
    expect(lines[0]).toMatchObject({ valid: true, error: null, signer: { keyId: testKey.keyId }, manifest: { name: 'calib', securityCounter: 7 } });
    expect(lines[1]).toEqual({ ...toJson(inspectHxe(calib), `${join(dir, 'b.hxb')}#calib`, null) });
    expect({ ...lines[2], path: '', fileCrc32: null }).toEqual({ ...lines[1], path: '', fileCrc32: null });
  });

  it('an invalid bundle: exit 1, the error, and the manifest when it was read; later files still inspected', async () => {
    const b = fixedBundle(true);
    b[b.length - 1]! ^= 1; // the signature
    writeFileSync(join(dir, 'bad.hxb'), b);
    const r = await cli('inspect', join(dir, 'bad.hxb'), join(FIXTURES, 'v2/calib.hxe'), '--json');
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => parseJsonLine(JSON.parse(l)));
    expect(lines.map((l) => l.event)).toEqual(['bundle', 'image']);
    expect(lines[0]).toMatchObject({ valid: false, error: { code: 'bad_signature' }, sha256: null, signer: null, manifest: { name: 'calib' } });
    const human = await cli('inspect', join(dir, 'bad.hxb'));
    expect(human.stdout).toContain(`${join(dir, 'bad.hxb')}: INVALID bundle [bad_signature]`);
    // a header that does not even hold: no manifest
    writeFileSync(join(dir, 'cut.hxb'), b.subarray(0, 100));
    const cut = await cli('inspect', join(dir, 'cut.hxb'), '--json');
    expect(parseJsonLine(JSON.parse(cut.stdout))).toMatchObject({ valid: false, error: { code: 'truncated' }, manifest: null, size: 100 });
  });
});
