/**
 * Ed25519 keys through node:crypto. A signing key comes from a PKCS#8 PEM or
 * a 64-hex-character seed; a public key from an SPKI PEM or 64 hex characters
 * (the raw key). The key id is the first 8 bytes of SHA-256 over the raw
 * 32-byte public key. Messages name where a key came from (`where`: a file,
 * an environment variable), never its contents.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { KEY_ID_SIZE } from './constants.js';
import type { PublicKey, SigningKey } from './contract.js';
import { BundleError } from './errors.js';

/** DER prefixes that wrap a raw Ed25519 seed (PKCS#8) and public key (SPKI), RFC 8410. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** First 8 bytes of SHA-256(raw public key), 16 lowercase hex characters. */
export function keyIdOf(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, KEY_ID_SIZE * 2);
}

function rawPublic(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function signingKeyOf(priv: KeyObject): SigningKey {
  const raw = rawPublic(createPublicKey(priv));
  return {
    keyId: keyIdOf(raw),
    raw,
    sign: (message) => new Uint8Array(sign(null, message, priv)),
  };
}

/** A new key pair: the private key as PKCS#8 PEM, the public key as SPKI PEM. */
export function generateKeyPair(): { privatePem: string; publicPem: string; key: SigningKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    key: signingKeyOf(privateKey),
  };
}

/** A signing key from PKCS#8 PEM text or a 64-hex seed. `where` names the source in errors. */
export function loadSigningKey(text: string, where: string): SigningKey {
  const t = text.trim();
  let priv: KeyObject;
  try {
    priv = HEX64.test(t)
      ? createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(t, 'hex')]), format: 'der', type: 'pkcs8' })
      : createPrivateKey({ key: t, format: 'pem' });
  } catch (cause) {
    throw new BundleError('bad_key', `${where}: not an Ed25519 private key; expected a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", as hilbridge keygen writes) or 64 hex characters (the seed)`, undefined, { cause: redacted(cause) });
  }
  if (priv.asymmetricKeyType !== 'ed25519') {
    throw new BundleError('bad_key', `${where}: a ${priv.asymmetricKeyType ?? 'unknown'} private key; bundles are signed with Ed25519 keys (hilbridge keygen)`);
  }
  return signingKeyOf(priv);
}

/** A public key from SPKI PEM text or 64 hex characters (the raw key). */
export function loadPublicKey(text: string, where: string): PublicKey {
  const t = text.trim();
  let pub: KeyObject;
  try {
    pub = HEX64.test(t)
      ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(t, 'hex')]), format: 'der', type: 'spki' })
      : createPublicKey({ key: t, format: 'pem' });
  } catch (cause) {
    throw new BundleError('bad_key', `${where}: not an Ed25519 public key; expected an SPKI PEM ("-----BEGIN PUBLIC KEY-----", as hilbridge keygen writes in <name>.pub) or 64 hex characters`, undefined, { cause: redacted(cause) });
  }
  if (pub.asymmetricKeyType !== 'ed25519') {
    throw new BundleError('bad_key', `${where}: a ${pub.asymmetricKeyType ?? 'unknown'} public key; bundles are signed with Ed25519 keys`);
  }
  const raw = rawPublic(pub);
  const weak = weakKeyReason(raw);
  if (weak !== null) throw new BundleError('bad_key', `${where}: ${weak}; such a key verifies forged signatures, so it is never trusted: use the public key hilbridge keygen wrote`);
  return { keyId: keyIdOf(raw), raw };
}

/** p = 2^255 - 19, the field prime of Curve25519. */
const P = (1n << 255n) - 19n;

/**
 * Canonical encodings of the 8 points of small order (order 1, 2, 4, 8), and
 * the two "negative zero" encodings of x = 0 (y = 1, y = -1 with the sign
 * bit set). A signature by any of them can be forged without a private key:
 * with the identity (01 00..00), R = identity and S = 0 verify over any
 * message. The list is the one libsodium and ZIP 215 use.
 */
const SMALL_ORDER = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
]);

/**
 * Why the raw 32-byte public key must not be trusted, or null: a
 * non-canonical encoding (y not below p) or a point of small order.
 */
export function weakKeyReason(raw: Uint8Array): string | null {
  if (raw.length !== 32) return `a public key is 32 bytes, not ${raw.length}`;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? (raw[i] ?? 0) & 0x7f : (raw[i] ?? 0));
  if (y >= P) return 'the public key is a non-canonical encoding (its y coordinate is not below 2^255 - 19)';
  if (SMALL_ORDER.has(Buffer.from(raw).toString('hex'))) return 'the public key is a point of small order (the identity or a torsion point)';
  return null;
}

/** Ed25519 verification of `signature` over `message` by the raw public key; false for a key that is not a valid point. */
export function verifySignature(raw: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const pub = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    return verify(null, message, pub, signature);
  } catch {
    return false;
  }
}

/** Keep the kind of a crypto failure as the cause, never anything that could echo key material. */
function redacted(cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  return new Error(`key decoding failed${typeof code === 'string' ? ` (${code})` : ''}`);
}
