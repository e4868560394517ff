/** Lines of the bundle commands: `keygen`, `image build`, `image verify`, `sign`, and `inspect` on a bundle. */
import { z } from 'zod';
import { SEGMENT_KINDS } from '../../bundle/contract.js';
import type { BundleInfo, BundleManifest, BundleSignature } from '../../bundle/contract.js';
import { Count, Sha256Hex } from './common.js';

const KeyId = z.string().regex(/^[0-9a-f]{16}$/).describe('key id: first 8 bytes of SHA-256 of the raw public key, 16 lowercase hex digits');
const PublicKeyHex = z.string().regex(/^[0-9a-f]{64}$/).describe('raw Ed25519 public key, 64 lowercase hex digits');

/** The bundle's manifest, as the JSON manifest file holds it (docs/bundle.md). */
export const BundleManifestJson = z.strictObject({
  formatVersion: Count,
  name: z.string(),
  vendor: z.string(),
  boardClass: z.string(),
  securityCounter: Count,
  contentSha256: Sha256Hex,
  segments: z.array(z.strictObject({ name: z.string(), kind: z.enum(SEGMENT_KINDS), offset: Count, size: Count, sha256: Sha256Hex })),
});

/** Who signed the bundle (the signature verified over the manifest); null when unsigned. */
export const Signer = z.strictObject({ keyType: z.literal('ed25519'), keyId: KeyId, publicKey: PublicKeyHex }).nullable();

/** keygen: the key pair was written. */
export const KeygenLine = z.strictObject({
  event: z.literal('keygen'),
  keyId: KeyId,
  publicKey: PublicKeyHex,
  privateKeyPath: z.string(),
  publicKeyPath: z.string(),
});

/** image build: the bundle and its JSON manifest were written. */
export const BundleBuiltLine = z.strictObject({
  event: z.literal('bundle_built'),
  path: z.string(),
  manifestPath: z.string(),
  size: Count,
  sha256: Sha256Hex,
  manifest: BundleManifestJson,
  signer: Signer,
});

/** image verify: every check passed. */
export const BundleVerifiedLine = z.strictObject({
  event: z.literal('bundle_verified'),
  path: z.string(),
  size: Count,
  sha256: Sha256Hex,
  manifest: BundleManifestJson,
  signer: Signer,
  /** Whether --manifest was given (and matched). */
  manifestChecked: z.boolean(),
  /** Whether --pub was given (and the signer is one of them). */
  signerTrusted: z.boolean(),
});

/** sign: the signed bundle was written. */
export const SignedLine = z.strictObject({
  event: z.literal('signed'),
  path: z.string(),
  /** What was signed: an existing bundle (trailer added or replaced) or an HXE image (made a one-segment bundle). */
  input: z.enum(['bundle', 'hxe']),
  out: z.string(),
  size: Count,
  sha256: Sha256Hex,
  keyId: KeyId,
  publicKey: PublicKeyHex,
  /** The key id of the signature this one replaced (a bundle that was signed; with a different key only under --replace); null when there was none. */
  replacedKeyId: KeyId.nullable(),
});

/** inspect, for a bundle: one line per bundle file, before an `image` line per hxe segment. */
export const BundleLine = z.strictObject({
  event: z.literal('bundle'),
  path: z.string(),
  valid: z.boolean(),
  error: z.strictObject({ code: z.string(), message: z.string(), offset: Count.nullable() }).nullable(),
  size: Count,
  /** SHA-256 of the whole file; null when it was not read to the end. */
  sha256: Sha256Hex.nullable(),
  /** Null when the manifest could not be read. */
  manifest: BundleManifestJson.nullable(),
  signer: Signer,
});

export function manifestLine(m: BundleManifest): z.infer<typeof BundleManifestJson> {
  return { ...m, segments: m.segments.map((s) => ({ ...s })) };
}

export function signerLine(s: BundleSignature | null): z.infer<typeof Signer> {
  return s === null ? null : { ...s };
}

export function bundleSummary(info: BundleInfo): { size: number; sha256: string; manifest: z.infer<typeof BundleManifestJson>; signer: z.infer<typeof Signer> } {
  return { size: info.size, sha256: info.sha256, manifest: manifestLine(info.manifest), signer: signerLine(info.signature) };
}
