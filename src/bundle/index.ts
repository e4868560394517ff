/**
 * Signed image bundles (issue 12): the format library. docs/bundle.md lays
 * out the bytes; contract.ts holds the types.
 */
export * from './contract.js';
export { BUNDLE_ERROR_CODES, BundleError, type BundleErrorCode } from './errors.js';
export { isBundleHead, buildBundle, signBundle } from './build.js';
export { BundleStreamVerifier, parseBundle, type BundleStreamVerifierOptions } from './stream.js';
export { manifestJson, manifestObject, manifestDifference, manifestTextDifference, type ManifestJson } from './json.js';
export { generateKeyPair, loadSigningKey, loadPublicKey, keyIdOf } from './keys.js';
export { HEADER_SIZE, TRAILER_SIZE, MAX_SEGMENTS, MAX_MANIFEST_SIZE, ALIGN } from './constants.js';
