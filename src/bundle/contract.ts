/**
 * The bundle API contract (issue 12). Written first so the format library
 * (src/bundle), the CLI (keygen, image build/verify, sign, inspect) and the
 * board/flash integration can be built side by side. The library implements
 * exactly these names; docs/bundle.md describes the bytes.
 *
 * A bundle: a fixed 64-byte header, a binary manifest, the segments (each
 * 64-byte aligned, zero padding), and optionally a signature trailer. The
 * manifest records each segment (name, kind, offset, size, SHA-256), the
 * bundle's name, vendor, board class and security counter, and the SHA-256
 * of every bundle byte outside the manifest and the trailer (header, padding,
 * segments). An Ed25519 signature covers the manifest bytes, so every byte
 * that matters is signed; the trailer carries only the key id, the public
 * key and the signature, and nothing is ever taken from it but those.
 */
import type { HxeImage } from '../hxe/image.js';

/** Segment kinds, in the fixed order a bundle lays them out (then by name). */
export const SEGMENT_KINDS = ['boot', 'hxe', 'values', 'data'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface BundleSegment {
  /** 1..24 bytes of [a-z0-9._-]; unique in the bundle. An hxe segment's default name is its app name. */
  readonly name: string;
  readonly kind: SegmentKind;
  /** Byte offset of the segment in the bundle file (a multiple of 64). */
  readonly offset: number;
  readonly size: number;
  /** Lowercase hex. */
  readonly sha256: string;
}

export interface BundleManifest {
  readonly formatVersion: number;
  /** The bundle's name (default: the first hxe segment's name). */
  readonly name: string;
  readonly vendor: string;
  readonly boardClass: string;
  /** Only goes up (a board refuses a bundle below its stored counter); kept apart from any version. */
  readonly securityCounter: number;
  readonly segments: readonly BundleSegment[];
  /** SHA-256 of every bundle byte outside the manifest and the signature trailer, lowercase hex. */
  readonly contentSha256: string;
}

export interface BundleSignature {
  readonly keyType: 'ed25519';
  /** First 8 bytes of SHA-256(raw 32-byte public key), 16 lowercase hex chars. */
  readonly keyId: string;
  /** Raw public key, 64 lowercase hex chars. */
  readonly publicKey: string;
}

export interface BundleInfo {
  readonly manifest: BundleManifest;
  /** The trailer's signer when the bundle is signed and the signature verifies over the manifest; null when unsigned. */
  readonly signature: BundleSignature | null;
  /** Whole file. */
  readonly size: number;
  /** SHA-256 of the whole file (what BEGIN announces), lowercase hex. */
  readonly sha256: string;
  /** Every hxe segment, verified by the same verifier inspect uses, by segment name. */
  readonly hxe: ReadonlyMap<string, HxeImage>;
}

export interface PublicKey {
  readonly keyId: string;
  /** Raw 32 bytes. */
  readonly raw: Uint8Array;
}

export interface SigningKey extends PublicKey {
  sign(message: Uint8Array): Uint8Array;
}

export interface SegmentInput {
  readonly kind: SegmentKind;
  /** Default: the app name for hxe (error if it has none), the kind for the others. */
  readonly name?: string;
  readonly bytes: Uint8Array;
}

export interface BuildOptions {
  readonly name?: string;
  readonly vendor?: string;
  readonly boardClass?: string;
  readonly securityCounter?: number;
  readonly signer?: SigningKey;
}

export interface VerifyOptions {
  /** When given, the bundle must be signed by one of these keys (BundleError 'unknown_key' names the signer's key id otherwise). */
  readonly trusted?: readonly PublicKey[];
}

/**
 * The functions src/bundle/index.ts exports:
 *
 *   isBundleHead(head: Uint8Array): boolean                 // the 4-byte magic
 *   buildBundle(segments: readonly SegmentInput[], opts?: BuildOptions): { bytes: Uint8Array; info: BundleInfo }
 *   parseBundle(bytes: Uint8Array, opts?: VerifyOptions): BundleInfo       // whole buffer; throws BundleError/ImageError
 *   class BundleStreamVerifier { constructor({ totalSize, trusted? }); push(bytes): void; end(): BundleInfo;
 *     readonly manifest: BundleManifest | undefined;       // once the manifest has arrived and checked
 *     readonly error: HilbridgeError | undefined;          // first failure, sticky
 *     segmentAt(offset): BundleSegment | undefined }       // memory: header + manifest + one HXE verifier's cap
 *   signBundle(bytes: Uint8Array, key: SigningKey, opts?: { replace? }): { bytes; info; replacedKeyId }
 *                                                          // add the trailer, or replace one (another key's: only with replace)
 *   manifestJson(info: BundleInfo): string                 // the --manifest file: fixed key order, trailing newline
 *   generateKeyPair(): { privatePem: string; publicPem: string; key: SigningKey }
 *   loadSigningKey(text: string, where: string): SigningKey          // PKCS#8 PEM or 64 hex chars (seed)
 *   loadPublicKey(text: string, where: string): PublicKey            // SPKI PEM or 64 hex chars (raw)
 *   class BundleError extends OffsetError<BundleErrorCode>           // codes listed in docs/bundle.md
 */
export {};
