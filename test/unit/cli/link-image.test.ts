/**
 * flash reads its image twice: once to verify it (with --pub, its signer),
 * once for the reader that gives BEGIN's SHA-256 and the bytes sent. A file
 * replaced in between must be refused before anything reaches a link, for a
 * bundle and for an HXE image alike.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { openVerifiedImage, readVerifiedImage, verifyLocalImage } from '../../../src/cli/link-image.js';
import { buildBundle, loadPublicKey } from '../../../src/bundle/index.js';
import { toHex } from '../../../src/util/hex.js';
import { fixedBundle, fixture, otherKey, testKey } from '../bundle/helpers.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'hilbridge-link-image-'));

async function refusal(p: Promise<unknown>): Promise<UsageError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(UsageError);
  return e as UsageError;
}

describe('openVerifiedImage', () => {
  it('a signed bundle swapped for one the trusted key never signed after --pub passed: image_changed, naming the file, nothing opened for sending', async () => {
    const d = dir();
    const path = join(d, 'b.hxb');
    writeFileSync(path, fixedBundle(true));
    const local = await verifyLocalImage(path, [loadPublicKey(toHex(testKey.raw), 'test')]);
    // an attacker's bundle, signed by another key, renamed over the verified one
    const evil = buildBundle([{ kind: 'hxe', bytes: fixture('v2/motor_ctl.hxe') }], { signer: otherKey }).bytes;
    writeFileSync(join(d, 'evil.hxb'), evil);
    renameSync(join(d, 'evil.hxb'), path);
    const e = await refusal(openVerifiedImage(path, local, 'shown.hxb'));
    expect(e.code).toBe('image_changed');
    expect(e.message).toMatch(/^bundle "shown\.hxb" changed while it was being flashed: it was verified with SHA-256 [0-9a-f]{64}, but the file now has \d+ bytes with SHA-256 [0-9a-f]{64}; nothing was sent/);
  });

  it('an HXE image written in place after it was verified: image_changed', async () => {
    const d = dir();
    const path = join(d, 'a.hxe');
    writeFileSync(path, fixture('v2/calib.hxe'));
    const local = await verifyLocalImage(path);
    writeFileSync(path, fixture('v2/telemetry.hxe'));
    const e = await refusal(openVerifiedImage(path, local));
    expect(e.code).toBe('image_changed');
    expect(e.message).toContain(`image "${path}" changed while it was being flashed`);
  });

  it('an unchanged file opens, with the SHA-256 that was verified', async () => {
    const d = dir();
    const path = join(d, 'b.hxb');
    writeFileSync(path, fixedBundle(true));
    const local = await verifyLocalImage(path);
    const reader = await openVerifiedImage(path, local);
    try {
      expect(local.kind).toBe('bundle');
      if (local.kind === 'bundle') expect(toHex(reader.sha256)).toBe(local.bundle.sha256);
    } finally {
      await reader.close();
    }
  });
});

describe('readVerifiedImage (flash --nodes keeps the image in memory to repair from)', () => {
  it('the verified bytes, or image_changed when the file was replaced after verification', async () => {
    const d = dir();
    const path = join(d, 'a.hxe');
    writeFileSync(path, fixture('v2/calib.hxe'));
    const local = await verifyLocalImage(path);
    expect(await readVerifiedImage(path, local)).toEqual(new Uint8Array(fixture('v2/calib.hxe')));
    writeFileSync(join(d, 'other.hxe'), fixture('v2/telemetry.hxe'));
    renameSync(join(d, 'other.hxe'), path);
    const e = await refusal(readVerifiedImage(path, local, 'fleet.hxe'));
    expect(e.code).toBe('image_changed');
    expect(e.message).toMatch(/^image "fleet\.hxe" changed while it was being flashed/);
  });
});
