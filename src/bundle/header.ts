/**
 * The 64-byte bundle header: encode, and the checks the stream verifier runs
 * the moment the header's bytes are in (magic after 4 bytes, the rest after 64).
 */
import {
  ALIGN,
  BUNDLE_MAGIC,
  FORMAT_VERSION,
  HEADER_SIZE,
  HeaderOff,
  MAX_SEGMENTS,
  TRAILER_SIZE,
  alignUp,
  manifestSize,
} from './constants.js';
import { asciiOf, firstNonZero, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { BundleError } from './errors.js';
import { hex } from '../util/hex.js';

export interface BundleHeader {
  readonly manifestLength: number;
  readonly segmentCount: number;
  readonly payloadEnd: number;
  /** True when the file carries a signature trailer after the payload end. */
  readonly signed: boolean;
}

export function encodeHeader(h: { segmentCount: number; payloadEnd: number }): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  writeU32(out, HeaderOff.magic, BUNDLE_MAGIC);
  writeU16(out, HeaderOff.version, FORMAT_VERSION);
  writeU16(out, HeaderOff.headerSize, HEADER_SIZE);
  writeU32(out, HeaderOff.manifestLength, manifestSize(h.segmentCount));
  writeU16(out, HeaderOff.segmentCount, h.segmentCount);
  writeU32(out, HeaderOff.payloadEnd, h.payloadEnd);
  return out;
}

/** Before any byte: a bundle holds at least its header. */
export function checkMinimumSize(totalSize: number): void {
  if (!Number.isSafeInteger(totalSize) || totalSize < HEADER_SIZE) {
    throw new BundleError('truncated', `bundle is ${totalSize} bytes, shorter than the ${HEADER_SIZE}-byte bundle header: not a bundle, or cut short`, 0);
  }
}

/** After 4 bytes: magic "HXBN". */
export function checkBundleMagic(head: Uint8Array): void {
  if (readU32(head, HeaderOff.magic) !== BUNDLE_MAGIC) {
    throw new BundleError(
      'bad_magic',
      `bad magic at offset 0x0: expected "HXBN" (0x4858424e), found ${hex(readU32(head, 0), 8)} ("${asciiOf(head, 0, 4)}"): this is not a hilbridge bundle`,
      HeaderOff.magic,
    );
  }
}

/** After 64 bytes: every header field, and the file size against the payload end. */
export function decodeHeader(head: Uint8Array, totalSize: number): BundleHeader {
  checkBundleMagic(head);
  const version = readU16(head, HeaderOff.version);
  if (version !== FORMAT_VERSION) {
    throw new BundleError('unsupported_version', `bundle format version at offset 0x4 is ${version}; this hilbridge reads version ${FORMAT_VERSION}: use a newer hilbridge`, HeaderOff.version);
  }
  const headerSize = readU16(head, HeaderOff.headerSize);
  if (headerSize !== HEADER_SIZE) {
    throw new BundleError('unsupported_version', `header size at offset 0x6 is ${headerSize}; format version 1 has a ${HEADER_SIZE}-byte header`, HeaderOff.headerSize);
  }
  const segmentCount = readU16(head, HeaderOff.segmentCount);
  if (segmentCount < 1 || segmentCount > MAX_SEGMENTS) {
    throw new BundleError('bad_field', `segment count at offset 0xc is ${segmentCount}; a bundle has 1 to ${MAX_SEGMENTS} segments`, HeaderOff.segmentCount);
  }
  const manifestLength = readU32(head, HeaderOff.manifestLength);
  if (manifestLength !== manifestSize(segmentCount)) {
    throw new BundleError(
      'bad_field',
      `manifest length at offset 0x8 is ${manifestLength}; ${segmentCount} segments make a ${manifestSize(segmentCount)}-byte manifest`,
      HeaderOff.manifestLength,
    );
  }
  const r1 = firstNonZero(head, HeaderOff.reserved1, HeaderOff.payloadEnd);
  const r2 = firstNonZero(head, HeaderOff.reserved2, HEADER_SIZE);
  const reserved = r1 >= 0 ? r1 : r2;
  if (reserved >= 0) {
    throw new BundleError('reserved_not_zero', `reserved header byte at ${hex(reserved)} is ${hex(head[reserved] ?? 0, 2)}; reserved bytes must be zero (made by a newer or broken tool?)`, reserved);
  }
  const payloadEnd = readU32(head, HeaderOff.payloadEnd);
  const minEnd = alignUp(HEADER_SIZE + manifestLength) + ALIGN;
  if (payloadEnd % ALIGN !== 0 || payloadEnd < minEnd) {
    throw new BundleError(
      'bad_field',
      `payload end at offset 0x10 is ${hex(payloadEnd)}; it must be a multiple of ${ALIGN} and at least ${hex(minEnd)} (header, manifest and one segment)`,
      HeaderOff.payloadEnd,
    );
  }
  return { manifestLength, segmentCount, payloadEnd, signed: checkFileSize(totalSize, payloadEnd) };
}

/** The file is exactly the payload (unsigned) or the payload and one trailer (signed). */
function checkFileSize(totalSize: number, payloadEnd: number): boolean {
  if (totalSize === payloadEnd) return false;
  if (totalSize === payloadEnd + TRAILER_SIZE) return true;
  if (totalSize < payloadEnd) {
    throw new BundleError('truncated', `bundle is ${totalSize} bytes but its header says the segments end at ${hex(payloadEnd)} (${payloadEnd}): the file was cut short`, totalSize);
  }
  if (totalSize < payloadEnd + TRAILER_SIZE) {
    throw new BundleError(
      'truncated',
      `bundle is ${totalSize} bytes: ${totalSize - payloadEnd} bytes after the payload end ${hex(payloadEnd)}, where a signature trailer has ${TRAILER_SIZE}: the trailer was cut short`,
      totalSize,
    );
  }
  throw new BundleError(
    'trailing_bytes',
    `bundle is ${totalSize} bytes: ${totalSize - payloadEnd - TRAILER_SIZE} bytes after the ${TRAILER_SIZE}-byte signature trailer at ${hex(payloadEnd)}; nothing may follow it (was something appended?)`,
    payloadEnd + TRAILER_SIZE,
  );
}
