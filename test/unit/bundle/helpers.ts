/** Fixed inputs for bundle tests: real HXE fixtures, a fixed key (RFC 8032 test 1), and a verdict helper. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BundleError, buildBundle, loadSigningKey, type BundleInfo, type SegmentInput } from '../../../src/bundle/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/hsx/', import.meta.url));

export function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + rel));
}

/** RFC 8032 section 7.1, test 1: a public seed, so the fixed hashes below are reproducible anywhere. */
export const TEST_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
export const TEST_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
export const testKey = loadSigningKey(TEST_SEED, 'test seed');
/** A second key (RFC 8032 test 2). */
export const otherKey = loadSigningKey('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'other seed');

/** Fixed segment bytes: the calib HXE fixture and a 100-byte values blob 0, 1, 2, ... */
export function fixedSegments(): SegmentInput[] {
  return [
    { kind: 'values', bytes: Uint8Array.from({ length: 100 }, (_, i) => i) },
    { kind: 'hxe', bytes: fixture('v2/calib.hxe') },
  ];
}

/**
 * SHA-256 of fixedBundle(), computed once from the fixed inputs (calib.hxe, a
 * 100-byte values blob, RFC 8032 test key 1, vendor acme, board class hsx-a,
 * security counter 7). Any change to the layout, the order, or anything
 * host-dependent leaking into a bundle changes these.
 */
export const FIXED_SIGNED_SHA256 = 'df04fcb5248cee4b5386ec79183b28210bd778671810f3346d94446f07945073';
export const FIXED_UNSIGNED_SHA256 = '99c3714f12e92ebc48c00da7056dd797c5ecf89937a9b92934799e45b8166fc0';

export function fixedBundle(signed = true): Uint8Array {
  return buildBundle(fixedSegments(), { vendor: 'acme', boardClass: 'hsx-a', securityCounter: 7, signer: signed ? testKey : undefined }).bytes;
}

export type Verdict = { ok: true; info: BundleInfo } | { ok: false; code: string; offset: number | undefined; message: string };

export function verdict(fn: () => BundleInfo): Verdict {
  try {
    return { ok: true, info: fn() };
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    return { ok: false, code: e.code, offset: e.offset, message: e.message };
  }
}
