/**
 * Bundle format constants, byte for byte as docs/bundle.md lays them out.
 * All multi-byte integers are big-endian, like every other hilbridge format.
 * The builder, the stream verifier and the docs test take their numbers here.
 */
import { SEGMENT_KINDS, type SegmentKind } from './contract.js';

export const BUNDLE_MAGIC = 0x4858424e; // "HXBN"
export const MANIFEST_MAGIC = 0x48584d46; // "HXMF"
export const TRAILER_MAGIC = 0x48585347; // "HXSG"
export const FORMAT_VERSION = 1;

/** Every segment starts at a multiple of this, and the payload ends on one. */
export const ALIGN = 64;

export const HEADER_SIZE = 64;
/** Header field offsets. */
export const HeaderOff = {
  magic: 0,
  version: 4,
  headerSize: 6,
  manifestLength: 8,
  segmentCount: 12,
  reserved1: 14, // u16, zero
  payloadEnd: 16,
  reserved2: 20, // 44 bytes, zero
} as const;

/** Text fields (names, vendor, board class): zero-padded ASCII [a-z0-9._-]. */
export const TEXT_SIZE = 24;

export const MANIFEST_FIXED_SIZE = 120;
/** Manifest field offsets, relative to the manifest start (file offset 64). */
export const ManifestOff = {
  magic: 0,
  version: 4,
  segmentCount: 6,
  name: 8,
  vendor: 32,
  boardClass: 56,
  securityCounter: 80,
  reserved: 84, // u32, zero
  contentSha256: 88,
  segments: 120,
} as const;

export const SEGMENT_ENTRY_SIZE = 68;
/** Segment entry field offsets, relative to the entry start. */
export const EntryOff = {
  name: 0,
  kind: 24,
  reserved: 25, // 3 bytes, zero
  offset: 28,
  size: 32,
  sha256: 36,
} as const;

export const MAX_SEGMENTS = 16;
export const MAX_MANIFEST_SIZE = MANIFEST_FIXED_SIZE + MAX_SEGMENTS * SEGMENT_ENTRY_SIZE;
/** Offsets and sizes are u32: no bundle is larger. */
export const MAX_BUNDLE_SIZE = 0xffffffff;

export const TRAILER_SIZE = 112;
/** Trailer field offsets, relative to the trailer start (payload end). */
export const TrailerOff = {
  magic: 0,
  keyType: 4,
  reserved: 5, // 3 bytes, zero
  keyId: 8,
  publicKey: 16,
  signature: 48,
} as const;
export const KEY_TYPE_ED25519 = 1;
export const KEY_ID_SIZE = 8;

/** The kind byte of each segment kind: its place in SEGMENT_KINDS, plus one. */
export function kindCode(kind: SegmentKind): number {
  return SEGMENT_KINDS.indexOf(kind) + 1;
}

export function kindOfCode(code: number): SegmentKind | undefined {
  return SEGMENT_KINDS[code - 1];
}

export function manifestSize(segmentCount: number): number {
  return MANIFEST_FIXED_SIZE + segmentCount * SEGMENT_ENTRY_SIZE;
}

export function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
