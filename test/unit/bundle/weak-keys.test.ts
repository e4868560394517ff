/**
 * Small-order and non-canonical Ed25519 public keys: with the identity as the
 * key, R = identity and S = 0 verify over any message, so a trailer carrying
 * such a key "signs" every manifest. Both the trailer check and loadPublicKey
 * refuse them (bad_key), naming where the key came from.
 */
import { describe, expect, it } from 'vitest';
import { BundleError, TRAILER_SIZE, keyIdOf, loadPublicKey, parseBundle } from '../../../src/bundle/index.js';
import { KEY_TYPE_ED25519, TRAILER_MAGIC, TrailerOff } from '../../../src/bundle/constants.js';
import { fixedBundle, verdict } from './helpers.js';

const IDENTITY = '01' + '00'.repeat(31);
/** Every small-order point's canonical encoding, the two negative-zero ones, and two with y >= p. */
const WEAK = [
  IDENTITY,
  '01' + '00'.repeat(30) + '80',
  'ec' + 'ff'.repeat(30) + '7f',
  '00'.repeat(32),
  '00'.repeat(31) + '80',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'ed' + 'ff'.repeat(30) + '7f', // y = p (0, non-canonical)
  'ee' + 'ff'.repeat(30) + '7f', // y = p + 1 (the identity, non-canonical)
];

/** The unsigned fixed bundle with a forged trailer: key `keyHex`, signature R = identity, S = 0. */
function forged(keyHex: string): Uint8Array {
  const payload = fixedBundle(false);
  const t = new Uint8Array(TRAILER_SIZE);
  new DataView(t.buffer).setUint32(TrailerOff.magic, TRAILER_MAGIC, false);
  t[TrailerOff.keyType] = KEY_TYPE_ED25519;
  const raw = Buffer.from(keyHex, 'hex');
  t.set(Buffer.from(keyIdOf(raw), 'hex'), TrailerOff.keyId);
  t.set(raw, TrailerOff.publicKey);
  t.set(Buffer.from(IDENTITY, 'hex'), TrailerOff.signature); // R = identity, S = 0 (already zero)
  const out = new Uint8Array(payload.length + TRAILER_SIZE);
  out.set(payload, 0);
  out.set(t, payload.length);
  return out;
}

describe('small-order and non-canonical public keys', () => {
  it('a trailer with the identity as key and R = identity, S = 0 is refused (bad_key at the public key), not taken as a signature', () => {
    const bytes = forged(IDENTITY);
    const v = verdict(() => parseBundle(bytes));
    expect(v).toMatchObject({ ok: false, code: 'bad_key', offset: fixedBundle(false).length + TrailerOff.publicKey });
    if (!v.ok) expect(v.message).toMatch(/signature trailer public key at 0x[0-9a-f]+ .*small order/);
    // trusted: that same key passed in as a trusted one is refused too, before any signature check
    expect(() => loadPublicKey(IDENTITY, '--pub (64 hex characters)')).toThrow(BundleError);
  });

  it.each(WEAK)('loadPublicKey refuses %s with bad_key naming the source', (k) => {
    let err: unknown;
    try {
      loadPublicKey(k, 'public key file "weak.pub"');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('bad_key');
    expect((err as BundleError).message).toMatch(/^public key file "weak\.pub": the public key is (a point of small order|a non-canonical encoding)/);
    expect((err as BundleError).message).not.toContain(k);
  });

  it.each(WEAK)('a trailer carrying %s is refused whatever its signature', (k) => {
    expect(verdict(() => parseBundle(forged(k)))).toMatchObject({ ok: false, code: 'bad_key' });
  });

  it('an ordinary key still loads', () => {
    expect(loadPublicKey('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').keyId).toMatch(/^[0-9a-f]{16}$/);
  });
});
