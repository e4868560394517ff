/**
 * Whole-file verification: the streaming verifier fed the file as one chunk,
 * so both paths run exactly the same checks and give the same result.
 */
import { crc32, sha256Hex } from '../util/digest.js';
import { CRC_HEADER_SPAN, HXE_VERSION_1, HeaderFlag } from './constants.js';
import { ImageError } from './errors.js';
import { decodeAppName } from './header.js';
import type { HxeHeaderFields, HxeImage } from './image.js';
import { HxeStreamVerifier } from './stream.js';

export interface ParseOptions {
  /** Largest metadata region accepted (see HxeStreamVerifier); default 64 KiB. */
  maxMetadataBytes?: number;
}

/** Verify a complete image and decode it. Throws ImageError on the first failed check. */
export function parseHxe(bytes: Uint8Array, opts: ParseOptions = {}): HxeImage {
  const v = new HxeStreamVerifier({ totalSize: bytes.length, maxMetadataBytes: opts.maxMetadataBytes });
  v.push(bytes);
  return v.end();
}

/** The verdict on one image, with whatever could be read even when it is invalid. */
export type InspectResult =
  | { readonly valid: true; readonly error: null; readonly image: HxeImage }
  | {
      readonly valid: false;
      readonly error: ImageError;
      /** Header fields when the header could be read. */
      readonly header: HxeHeaderFields | null;
      /** app_name when the header could be read and the name decodes (v2), else null. */
      readonly appName: string | null;
      /** Instance policy from the header flags (v1: true), null without a header. */
      readonly allowMultipleInstances: boolean | null;
      /** CRC computed the toolchain's way when the header could be read, else null. */
      readonly computedCrc32: number | null;
      readonly size: number;
      readonly sha256: string;
    };

/** Verify an image without throwing on a bad one (ImageError is reported in the result). */
export function inspectHxe(bytes: Uint8Array, opts: ParseOptions = {}): InspectResult {
  let v: HxeStreamVerifier | undefined;
  try {
    v = new HxeStreamVerifier({ totalSize: bytes.length, maxMetadataBytes: opts.maxMetadataBytes });
    v.push(bytes);
    return { valid: true, error: null, image: v.end() };
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    const header = v?.header ?? null;
    return {
      valid: false,
      error: e,
      header,
      appName: header ? appNameOf(bytes, header) : null,
      allowMultipleInstances: header ? header.version === HXE_VERSION_1 || (header.flags & HeaderFlag.allowMultipleInstances) !== 0 : null,
      computedCrc32: header ? computeCrc(bytes, header.headerSize) : null,
      size: bytes.length,
      sha256: sha256Hex(bytes),
    };
  }
}

/** CRC-32 the toolchain's way: bytes [0, 0x1c) then everything from the end of the header. */
export function computeCrc(bytes: Uint8Array, headerSize: number): number {
  return crc32(bytes.subarray(headerSize), crc32(bytes.subarray(0, CRC_HEADER_SPAN)));
}

function appNameOf(bytes: Uint8Array, header: HxeHeaderFields): string | null {
  if (header.version === HXE_VERSION_1) return null;
  try {
    return decodeAppName(bytes);
  } catch {
    return null;
  }
}
