/** `hilbridge keygen`: a key pair with the private key 0600, never overwritten, the key id and public key printed. */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPublicKey, loadSigningKey } from '../../../src/bundle/index.js';
import { cli, jsonLine, tempDir } from './bundle-cli.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('hilbridge keygen', () => {
  it('writes <name>.key (mode 0600) and <name>.pub, and prints the key id and public key', async () => {
    const r = await cli('keygen', '--out', join(dir, 'line'));
    expect(r.code).toBe(0);
    expect(statSync(join(dir, 'line.key')).mode & 0o777).toBe(0o600);
    const key = loadSigningKey(readFileSync(join(dir, 'line.key'), 'utf8'), 'key');
    const pub = loadPublicKey(readFileSync(join(dir, 'line.pub'), 'utf8'), 'pub');
    expect(pub.keyId).toBe(key.keyId);
    expect(r.stdout).toContain(`key id      ${key.keyId}\n`);
    expect(r.stdout).toContain(`public key  ${Buffer.from(key.raw).toString('hex')}\n`);
    expect(r.stderr).toBe('');
  });

  it('--json: one keygen line', async () => {
    const r = await cli('keygen', '--out', join(dir, 'k'), '--json');
    const line = jsonLine(r);
    const key = loadSigningKey(readFileSync(join(dir, 'k.key'), 'utf8'), 'key');
    expect(line).toEqual({ event: 'keygen', keyId: key.keyId, publicKey: Buffer.from(key.raw).toString('hex'), privateKeyPath: join(dir, 'k.key'), publicKeyPath: join(dir, 'k.pub') });
  });

  it('never overwrites: an existing <name>.key is named, exit 2, the old key untouched', async () => {
    await cli('keygen', '--out', join(dir, 'k'));
    const before = readFileSync(join(dir, 'k.key'), 'utf8');
    const r = await cli('keygen', '--out', join(dir, 'k'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error [file_exists]: private key file "${join(dir, 'k.key')}" already exists`);
    expect(readFileSync(join(dir, 'k.key'), 'utf8')).toBe(before);
  });

  it('an existing <name>.pub stops it before any key is left behind', async () => {
    writeFileSync(join(dir, 'k.pub'), 'old');
    const r = await cli('keygen', '--out', join(dir, 'k'), '--json');
    expect(r.code).toBe(2);
    expect(jsonLine(r)).toMatchObject({ event: 'error', error: { code: 'file_exists' } });
    expect(existsSync(join(dir, 'k.key'))).toBe(false);
    expect(readFileSync(join(dir, 'k.pub'), 'utf8')).toBe('old');
  });

  it('a directory that does not exist is a usage error', async () => {
    const r = await cli('keygen', '--out', join(dir, 'nope', 'k'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [file_unwritable]: cannot create private key file');
  });
});
