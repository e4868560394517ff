/** `hilbridge sign`: bundles re-signed in place, HXE images made signed bundles, keys from a file or the environment, never printed. */
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRAILER_SIZE, parseBundle } from '../../../src/bundle/index.js';
import { SIGNING_KEY_ENV } from '../../../src/cli/commands/bundle-files.js';
import { FIXTURES, TEST_SEED, fixedBundle, otherKey, testKey } from '../bundle/helpers.js';
import { cli, jsonLine, tempDir } from './bundle-cli.js';
import { hilbridgeEnv } from './child-cli.js';

let dir: string;
const savedEnv = process.env[SIGNING_KEY_ENV];
beforeEach(() => {
  dir = tempDir();
  delete process.env[SIGNING_KEY_ENV];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedEnv === undefined) delete process.env[SIGNING_KEY_ENV];
  else process.env[SIGNING_KEY_ENV] = savedEnv;
});

describe('hilbridge sign', () => {
  it('an HXE image becomes a one-segment signed bundle at <image minus .hxe>.hxb', async () => {
    copyFileSync(join(FIXTURES, 'v2/motor_ctl.hxe'), join(dir, 'motor_ctl.hxe'));
    writeFileSync(join(dir, 'k.key'), TEST_SEED);
    const r = await cli('sign', join(dir, 'motor_ctl.hxe'), '--key', join(dir, 'k.key'), '--security-counter', '3', '--board-class', 'hsx-a', '--json');
    expect(r.code).toBe(0);
    const info = parseBundle(readFileSync(join(dir, 'motor_ctl.hxb')), { trusted: [testKey] });
    expect(info.manifest).toMatchObject({ name: 'motor_ctl', securityCounter: 3, boardClass: 'hsx-a', segments: [{ kind: 'hxe', name: 'motor_ctl', size: 392 }] });
    expect(jsonLine(r)).toMatchObject({ event: 'signed', input: 'hxe', out: join(dir, 'motor_ctl.hxb'), keyId: testKey.keyId, sha256: info.sha256 });
  });

  it('a bundle is signed in place with the key from HILBRIDGE_SIGNING_KEY; the payload is unchanged', async () => {
    const unsigned = fixedBundle(false);
    writeFileSync(join(dir, 'b.hxb'), unsigned);
    process.env[SIGNING_KEY_ENV] = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'; // otherKey's seed
    const r = await cli('sign', join(dir, 'b.hxb'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`signed ${join(dir, 'b.hxb')} in place with ed25519 key ${otherKey.keyId}`);
    const now = readFileSync(join(dir, 'b.hxb'));
    expect(now.length).toBe(unsigned.length + TRAILER_SIZE);
    expect(Buffer.from(now.subarray(0, unsigned.length)).equals(Buffer.from(unsigned))).toBe(true);
    expect(parseBundle(now).signature?.keyId).toBe(otherKey.keyId);
    // signed again, with --key taking precedence over the environment, to --out: another key's signature goes only with --replace
    writeFileSync(join(dir, 'k.key'), TEST_SEED);
    const refused = await cli('sign', join(dir, 'b.hxb'), '-k', join(dir, 'k.key'), '-o', join(dir, 'c.hxb'), '--json');
    expect(refused.code).toBe(2);
    expect(jsonLine(refused)).toMatchObject({ event: 'error', error: { code: 'signed_by_other_key', message: `bundle "${join(dir, 'b.hxb')}": the bundle is already signed by key ${otherKey.keyId}, and signing with key ${testKey.keyId} would replace that signature: replace it on purpose (hilbridge sign --replace), or sign with key ${otherKey.keyId}` } });
    expect(readdirSync(dir).sort()).toEqual(['b.hxb', 'k.key']);
    const replaced = await cli('sign', join(dir, 'b.hxb'), '-k', join(dir, 'k.key'), '-o', join(dir, 'c.hxb'), '--replace', '--json');
    expect(replaced.code).toBe(0);
    expect(jsonLine(replaced)).toMatchObject({ event: 'signed', keyId: testKey.keyId, replacedKeyId: otherKey.keyId });
    expect(parseBundle(readFileSync(join(dir, 'c.hxb'))).signature?.keyId).toBe(testKey.keyId);
    const text = await cli('sign', join(dir, 'b.hxb'), '-k', join(dir, 'k.key'), '-o', join(dir, 'c.hxb'), '--replace');
    expect(text.stdout).toContain(`with ed25519 key ${testKey.keyId} (replaced the signature by key ${otherKey.keyId}): `);
    expect(readdirSync(dir).sort()).toEqual(['b.hxb', 'c.hxb', 'k.key']);
  });

  it('no key anywhere: exit 2, says where a key comes from; never prompts', async () => {
    writeFileSync(join(dir, 'b.hxb'), fixedBundle(false));
    const r = await cli('sign', join(dir, 'b.hxb'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error [no_signing_key]: no signing key: pass --key <file>`);
    expect(r.stderr).toContain(SIGNING_KEY_ENV);
  });

  it('manifest options on a bundle, a changed bundle, and a file that is neither are refused', async () => {
    writeFileSync(join(dir, 'k.key'), TEST_SEED);
    writeFileSync(join(dir, 'b.hxb'), fixedBundle(true));
    const o = await cli('sign', join(dir, 'b.hxb'), '-k', join(dir, 'k.key'), '--security-counter', '9');
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('--security-counter: ');
    const changed = fixedBundle(true);
    changed[64 + 8]! ^= 2; // the bundle name: the old signature fails, so it is not re-signed
    writeFileSync(join(dir, 'b.hxb'), changed);
    const c = await cli('sign', join(dir, 'b.hxb'), '-k', join(dir, 'k.key'));
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`error [bad_signature]: bundle "${join(dir, 'b.hxb')}": `);
    expect(readFileSync(join(dir, 'b.hxb')).equals(Buffer.from(changed))).toBe(true);
    writeFileSync(join(dir, 'x.bin'), 'hello');
    const n = await cli('sign', join(dir, 'x.bin'), '-k', join(dir, 'k.key'));
    expect(n.code).toBe(1);
    expect(n.stderr).toContain('is neither a bundle ("HXBN") nor an HXE image ("HSXE")');
  });
});

describe('the private key never appears in any output', () => {
  it('keygen, image build --sign, sign (file and environment), image verify, inspect, and refusals of malformed keys', async () => {
    const out: string[] = [];
    const run = async (...args: string[]): Promise<void> => {
      const r = await cli(...args);
      out.push(r.stdout, r.stderr);
    };
    await run('keygen', '--out', join(dir, 'k'));
    await run('keygen', '--out', join(dir, 'k'), '--json'); // refused: exists
    const pem = readFileSync(join(dir, 'k.key'), 'utf8');
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const seedHex = Buffer.from(body, 'base64').subarray(16).toString('hex'); // PKCS#8 Ed25519: 16-byte prefix, then the seed
    expect(seedHex).toMatch(/^[0-9a-f]{64}$/);
    copyFileSync(join(FIXTURES, 'v2/calib.hxe'), join(dir, 'calib.hxe'));
    await run('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), '--sign', join(dir, 'k.key'), join(dir, 'calib.hxe'), '--json');
    await run('image', 'build', '-o', join(dir, 'b.hxb'), '--manifest', join(dir, 'b.json'), '--sign', join(dir, 'k.key'), join(dir, 'calib.hxe'));
    await run('sign', join(dir, 'b.hxb'), '--key', join(dir, 'k.key'));
    await run('sign', join(dir, 'calib.hxe'), '--key', join(dir, 'k.key'), '--json');
    process.env[SIGNING_KEY_ENV] = pem;
    await run('sign', join(dir, 'b.hxb'), '--json');
    process.env[SIGNING_KEY_ENV] = seedHex;
    await run('sign', join(dir, 'b.hxb'));
    process.env[SIGNING_KEY_ENV] = seedHex.slice(0, 63); // malformed: refused without echoing it
    await run('sign', join(dir, 'b.hxb'));
    await run('sign', join(dir, 'b.hxb'), '--json');
    process.env[SIGNING_KEY_ENV] = pem.replace('PRIVATE KEY-----\n', 'PRIVATE KEY-----\nAAAA');
    await run('sign', join(dir, 'b.hxb'));
    writeFileSync(join(dir, 'broken.key'), pem.slice(0, 80));
    await run('sign', join(dir, 'b.hxb'), '--key', join(dir, 'broken.key'), '--json');
    await run('image', 'verify', join(dir, 'b.hxb'), '--pub', join(dir, 'k.key')); // a private key where a public one belongs
    await run('image', 'verify', join(dir, 'b.hxb'), '--pub', seedHex); // the seed where a public key belongs
    await run('inspect', join(dir, 'b.hxb'), '--json');
    // and the real program as a process, the key in its environment
    const child = await hilbridgeEnv({ [SIGNING_KEY_ENV]: seedHex.slice(0, 60) + 'zz' }, 'sign', join(dir, 'b.hxb'), '--json');
    expect(child.code).toBe(2);
    out.push(child.stdout, child.stderr);
    const all = out.join('\n');
    expect(all).toContain('bad_key'); // the refusals did happen
    for (const secret of [body.slice(0, 40), body.slice(-30), seedHex.slice(0, 16), seedHex.slice(16, 40), seedHex.slice(48), Buffer.from(seedHex, 'hex').toString('base64').slice(0, 24)]) {
      expect(all).not.toContain(secret);
    }
  });
});
