/**
 * The signature trailer after the payload end: key type, key id, public key
 * and the Ed25519 signature over the manifest bytes. Nothing else is ever
 * read from it (unlike MCUboot's unprotected TLVs, it has no field a
 * protected one could be confused with: CVE-2024-32883).
 */
import { KEY_ID_SIZE, KEY_TYPE_ED25519, TRAILER_MAGIC, TRAILER_SIZE, TrailerOff } from './constants.js';
import type { BundleSignature, PublicKey, SigningKey } from './contract.js';
import { asciiOf, firstNonZero, readU32, writeU32 } from './bytes.js';
import { BundleError } from './errors.js';
import { keyIdOf, verifySignature, weakKeyReason } from './keys.js';
import { fromHex, hex, toHex } from '../util/hex.js';

export function encodeTrailer(manifest: Uint8Array, key: SigningKey): Uint8Array {
  const out = new Uint8Array(TRAILER_SIZE);
  writeU32(out, TrailerOff.magic, TRAILER_MAGIC);
  out[TrailerOff.keyType] = KEY_TYPE_ED25519;
  out.set(fromHex(key.keyId), TrailerOff.keyId);
  out.set(key.raw, TrailerOff.publicKey);
  out.set(key.sign(manifest), TrailerOff.signature);
  return out;
}

/** Check the trailer (at file offset `at`) and its signature over `manifest`; then, when `trusted` is given, the signer. */
export function verifyTrailer(t: Uint8Array, at: number, manifest: Uint8Array, trusted: readonly PublicKey[] | undefined): BundleSignature {
  if (readU32(t, TrailerOff.magic) !== TRAILER_MAGIC) {
    throw new BundleError(
      'bad_magic',
      `bad signature trailer magic at ${hex(at)}: expected "HXSG" (0x48585347), found ${hex(readU32(t, 0), 8)} ("${asciiOf(t, 0, 4)}"): ${TRAILER_SIZE} bytes follow the payload but they are not a hilbridge signature trailer`,
      at,
    );
  }
  const keyType = t[TrailerOff.keyType] ?? 0;
  if (keyType !== KEY_TYPE_ED25519) {
    throw new BundleError('bad_key', `signature trailer key type at ${hex(at + TrailerOff.keyType)} is ${keyType}; this hilbridge knows 1 (Ed25519)`, at + TrailerOff.keyType);
  }
  const r = firstNonZero(t, TrailerOff.reserved, TrailerOff.keyId);
  if (r >= 0) throw new BundleError('reserved_not_zero', `signature trailer reserved byte at ${hex(at + r)} is ${hex(t[r] ?? 0, 2)}; it must be zero`, at + r);
  const raw = t.slice(TrailerOff.publicKey, TrailerOff.publicKey + 32);
  const keyId = toHex(t.subarray(TrailerOff.keyId, TrailerOff.keyId + KEY_ID_SIZE));
  const derived = keyIdOf(raw);
  if (keyId !== derived) {
    throw new BundleError(
      'bad_key',
      `signature trailer key id at ${hex(at + TrailerOff.keyId)} is ${keyId}, but the public key at ${hex(at + TrailerOff.publicKey)} has key id ${derived}: the trailer is damaged`,
      at + TrailerOff.keyId,
    );
  }
  const weak = weakKeyReason(raw);
  if (weak !== null) {
    throw new BundleError('bad_key', `signature trailer public key at ${hex(at + TrailerOff.publicKey)} (key id ${keyId}): ${weak}; such a key verifies forged signatures, so the bundle is refused: sign it with a key from hilbridge keygen`, at + TrailerOff.publicKey);
  }
  const signature = t.subarray(TrailerOff.signature, TrailerOff.signature + 64);
  if (!verifySignature(raw, manifest, signature)) {
    throw new BundleError(
      'bad_signature',
      `the Ed25519 signature at ${hex(at + TrailerOff.signature)} by key ${keyId} does not verify over the manifest: the manifest or the signature was changed after signing`,
      at + TrailerOff.signature,
    );
  }
  if (trusted && !trusted.some((k) => k.keyId === keyId && toHex(k.raw) === toHex(raw))) {
    const ids = trusted.map((k) => k.keyId).join(', ') || 'none';
    throw new BundleError('unknown_key', `bundle is signed by key ${keyId}, which is not a trusted key (trusted: ${ids}): pass its public key, or sign the bundle with a trusted key`, at + TrailerOff.keyId);
  }
  return { keyType: 'ed25519', keyId, publicKey: toHex(raw) };
}
