/** Keys: RFC 8032's vector, PEM and hex forms, key ids, and errors that never echo key material. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BundleError, generateKeyPair, keyIdOf, loadPublicKey, loadSigningKey } from '../../../src/bundle/index.js';
import { TEST_PUB, TEST_SEED, testKey } from './helpers.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('keys', () => {
  it('a seed gives RFC 8032 test 1: public key and signature of the empty message', () => {
    expect(hex(testKey.raw)).toBe(TEST_PUB);
    expect(hex(testKey.sign(new Uint8Array(0)))).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('key id = first 8 bytes of SHA-256 of the raw public key', () => {
    expect(testKey.keyId).toBe(createHash('sha256').update(Buffer.from(TEST_PUB, 'hex')).digest('hex').slice(0, 16));
    expect(keyIdOf(testKey.raw)).toBe(testKey.keyId);
  });

  it('generated PEMs load back to the same key', () => {
    const { privatePem, publicPem, key } = generateKeyPair();
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const priv = loadSigningKey(privatePem, 'k.key');
    const pub = loadPublicKey(publicPem, 'k.pub');
    expect(priv.keyId).toBe(key.keyId);
    expect(pub.keyId).toBe(key.keyId);
    expect(hex(loadPublicKey(hex(pub.raw), 'hex').raw)).toBe(hex(key.raw));
    expect(generateKeyPair().key.keyId).not.toBe(key.keyId);
  });

  it('refuses what is not an Ed25519 key, naming the source and never the text', () => {
    const secret = TEST_SEED.slice(0, 62); // 62 hex chars: not a seed
    for (const [fn, what] of [
      [() => loadSigningKey(secret, 'env HILBRIDGE_SIGNING_KEY'), 'env HILBRIDGE_SIGNING_KEY'],
      [() => loadPublicKey(secret, 'k.pub'), 'k.pub'],
      [() => loadSigningKey('-----BEGIN PRIVATE KEY-----\n' + TEST_SEED + '\n-----END PRIVATE KEY-----\n', 'bad.pem'), 'bad.pem'],
    ] as const) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BundleError);
      const e = err as BundleError;
      expect(e.code).toBe('bad_key');
      expect(e.message.startsWith(what)).toBe(true);
      const everything = JSON.stringify([e.message, String(e.cause), (e.cause as Error | undefined)?.message, e.toJSON()]);
      expect(everything).not.toContain(secret.slice(0, 16));
    }
  });

  it('refuses a key of another type', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => loadSigningKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'ec.key')).toThrow(/ec.key: a ec private key; bundles are signed with Ed25519/);
    expect(() => loadPublicKey(publicKey.export({ format: 'pem', type: 'spki' }).toString(), 'ec.pub')).toThrow(/ec.pub: a ec public key/);
  });
});
