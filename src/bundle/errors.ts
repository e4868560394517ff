/**
 * Why a bundle was rejected. Every check in src/bundle throws a BundleError
 * with a stable code and, when one place is to blame, the byte offset into
 * the bundle file. docs/bundle.md lists every code with what to check.
 */
import { OffsetError } from '../errors.js';

/** Every code, in the order docs/bundle.md lists them (with what to check). */
export const BUNDLE_ERROR_CODES = [
  'bad_magic', // header, manifest or trailer magic is wrong
  'unsupported_version', // format or manifest version is not 1, or header size is not 64
  'truncated', // the file ends before the header, manifest or payload end
  'trailing_bytes', // bytes after the payload end that are not exactly one trailer, or pushed past the announced size
  'reserved_not_zero', // a reserved byte is not zero
  'bad_field', // a text field, count, length or build input breaks its rule
  'bad_segment_table', // segments out of order, overlapping, misaligned, duplicated, or not ending at payload end
  'padding_not_zero', // a padding byte between segments is not zero
  'segment_sha256_mismatch', // a segment's bytes differ from its manifest SHA-256
  'content_sha256_mismatch', // header + segment area differ from the manifest's contentSha256
  'segment_invalid', // an hxe segment fails the HXE verifier (cause: the ImageError)
  'bad_signature', // the trailer's signature does not verify over the manifest
  'unknown_key', // signed by a key that is not among the trusted ones
  'not_signed', // trusted keys were required but the bundle has no trailer
  'bad_key', // a key (file, hex, or the trailer's key type / key id) is not a valid Ed25519 key
  'manifest_mismatch', // a JSON manifest file (image verify --manifest) differs from the bundle's manifest
  'signed_by_other_key', // signBundle without replace: the bundle has a valid signature by another key
] as const;
export type BundleErrorCode = (typeof BUNDLE_ERROR_CODES)[number];

export class BundleError extends OffsetError<BundleErrorCode> {}
