/**
 * Header checks, in the order the reference loader makes them. Shared by the
 * whole-file parser and the streaming verifier (which calls each step as
 * soon as it has the bytes it needs), so every check exists once.
 */
import {
  APP_NAME_SIZE,
  HEADER_V1_SIZE,
  HEADER_V2_SIZE,
  HXE_MAGIC,
  HXE_VERSION_1,
  HXE_VERSION_2,
  HeaderFlag,
  MAX_SEGMENT_SIZE,
  Off,
  RESERVED_SIZE,
  SECTION_ENTRY_SIZE,
} from './constants.js';
import { hex } from '../util/hex.js';
import { ImageError } from './errors.js';
import type { HxeHeaderFields } from './image.js';

const u16 = (b: Uint8Array, o: number): number => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
const u32 = (b: Uint8Array, o: number): number =>
  (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
export { u16 as readU16, u32 as readU32 };

/** Step 1, before any byte arrives: the file must hold at least a v1 header. */
export function checkMinimumSize(totalSize: number): void {
  if (totalSize < HEADER_V1_SIZE) {
    throw new ImageError(
      'truncated',
      `image is ${totalSize} bytes, shorter than the ${HEADER_V1_SIZE}-byte HXE header: not an HXE image or cut short`,
      0,
    );
  }
}

/** True when `head` starts with the HXE magic "HSXE" (false when shorter than 4 bytes). */
export function hasHxeMagic(head: Uint8Array): boolean {
  return head.length >= 4 && u32(head, Off.magic) === HXE_MAGIC;
}

/** Step 2, after 4 bytes: magic "HSXE". */
export function checkMagic(head: Uint8Array): void {
  const magic = u32(head, Off.magic);
  if (!hasHxeMagic(head)) {
    const ascii = Array.from(head.subarray(0, 4), (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
    throw new ImageError(
      'bad_magic',
      `bad magic at offset 0x0: expected "HSXE" (0x48535845), found ${hex(magic, 8)} ("${ascii}"): this is not an HXE image`,
      Off.magic,
    );
  }
}

/** Step 3, after 6 bytes: version 1 or 2; returns the header size and checks the file can hold it. */
export function checkVersion(head: Uint8Array, totalSize: number): number {
  const version = u16(head, Off.version);
  if (version !== HXE_VERSION_1 && version !== HXE_VERSION_2) {
    throw new ImageError(
      'unsupported_version',
      `unsupported_version:${version}: header version at offset 0x4 is ${version}, this loader reads versions 1 and 2`,
      Off.version,
    );
  }
  const headerSize = version === HXE_VERSION_1 ? HEADER_V1_SIZE : HEADER_V2_SIZE;
  if (totalSize < headerSize) {
    throw new ImageError(
      'truncated',
      `version ${version} image is ${totalSize} bytes, shorter than its ${headerSize}-byte header`,
      totalSize,
    );
  }
  return headerSize;
}

/** Read the numeric header fields from a complete header (no checks). */
export function readHeaderFields(head: Uint8Array): HxeHeaderFields {
  const version = u16(head, Off.version);
  const v2 = version === HXE_VERSION_2;
  return {
    version,
    flags: u16(head, Off.flags),
    entry: u32(head, Off.entry),
    codeLen: u32(head, Off.codeLen),
    roLen: u32(head, Off.roLen),
    bssSize: u32(head, Off.bssSize),
    reqCaps: u32(head, Off.reqCaps),
    crc32: u32(head, Off.crc32),
    metaOffset: v2 ? u32(head, Off.metaOffset) : 0,
    metaCount: v2 ? u32(head, Off.metaCount) : 0,
    headerSize: v2 ? HEADER_V2_SIZE : HEADER_V1_SIZE,
  };
}

/** What a validated header tells the rest of the verifier. */
export interface HeaderInfo {
  readonly fields: HxeHeaderFields;
  readonly appName: string | null;
  readonly allowMultipleInstances: boolean;
  /** File offset just past rodata: header + code_len + ro_len. */
  readonly rodataEnd: number;
  /** True when a v2 metadata table is declared (meta_offset and meta_count non-zero). */
  readonly hasMetadata: boolean;
}

/** Step 4, once the whole header is in: every check the header alone allows. */
export function validateHeader(head: Uint8Array, totalSize: number): HeaderInfo {
  const f = readHeaderFields(head);
  const v2 = f.version === HXE_VERSION_2;
  if (v2) checkReserved(head);
  const appName = v2 ? decodeAppName(head) : null;
  checkSegment('code_len', f.codeLen, Off.codeLen);
  checkSegment('ro_len', f.roLen, Off.roLen);
  checkSegment('bss_size', f.bssSize, Off.bssSize);
  if (f.codeLen % 4 !== 0) {
    throw new ImageError('misaligned', `code_len at offset 0xc is ${f.codeLen} (${hex(f.codeLen)}), not a multiple of 4`, Off.codeLen);
  }
  if (f.entry % 4 !== 0) {
    throw new ImageError('misaligned', `entry at offset 0x8 is ${hex(f.entry)}, not a multiple of 4`, Off.entry);
  }
  if (f.entry >= f.codeLen) {
    throw new ImageError(
      'entry_out_of_range',
      `entry at offset 0x8 is ${hex(f.entry)}, outside the code [0x0, ${hex(f.codeLen)}): check the link map`,
      Off.entry,
    );
  }
  const rodataEnd = f.headerSize + f.codeLen + f.roLen;
  if (rodataEnd > totalSize) {
    throw new ImageError(
      'truncated',
      `header declares ${f.codeLen} bytes of code and ${f.roLen} of rodata, ending at ${hex(rodataEnd)}, but the image is ${totalSize} bytes: the file was cut short`,
      totalSize,
    );
  }
  const hasMetadata = v2 && f.metaOffset !== 0 && f.metaCount !== 0;
  if (hasMetadata) checkTablePlacement(f, rodataEnd, totalSize);
  return {
    fields: f,
    appName,
    allowMultipleInstances: v2 ? (f.flags & HeaderFlag.allowMultipleInstances) !== 0 : true,
    rodataEnd,
    hasMetadata,
  };
}

function checkReserved(head: Uint8Array): void {
  for (let i = 0; i < RESERVED_SIZE; i++) {
    const b = head[Off.reserved + i] ?? 0;
    if (b !== 0) {
      const at = Off.reserved + i;
      throw new ImageError(
        'reserved_not_zero',
        `reserved header byte at offset ${hex(at)} is ${hex(b, 2)}, must be 0 (bytes 0x48-0x5f are reserved): made by a newer toolchain or corrupted`,
        at,
      );
    }
  }
}

/** Decode the v2 app_name field (throws bad_app_name); whitespace stripped, null when empty. */
export function decodeAppName(head: Uint8Array): string | null {
  const field = head.subarray(Off.appName, Off.appName + APP_NAME_SIZE);
  const nul = field.indexOf(0);
  if (nul < 0) {
    throw new ImageError(
      'bad_app_name',
      `app_name at offset 0x20 has no NUL terminator within its 32 bytes (at most 31 characters allowed)`,
      Off.appName,
    );
  }
  for (let i = 0; i < field.length; i++) {
    if ((field[i] ?? 0) >= 0x80) {
      throw new ImageError(
        'bad_app_name',
        `app_name byte at offset ${hex(Off.appName + i)} is ${hex(field[i] ?? 0, 2)}: app_name must be ASCII`,
        Off.appName + i,
      );
    }
  }
  const name = String.fromCharCode(...field.subarray(0, nul)).trim();
  return name === '' ? null : name;
}

function checkSegment(name: string, size: number, at: number): void {
  if (size > MAX_SEGMENT_SIZE) {
    throw new ImageError(
      'too_large',
      `${name} at offset ${hex(at)} is ${size} bytes, above the VM's 64 KiB (${MAX_SEGMENT_SIZE}) address space`,
      at,
    );
  }
}

function checkTablePlacement(f: HxeHeaderFields, rodataEnd: number, totalSize: number): void {
  if (f.metaOffset < rodataEnd) {
    throw new ImageError(
      'meta_overlaps_rodata',
      `metadata table at ${hex(f.metaOffset)} (meta_offset, header offset 0x40) starts before the end of rodata at ${hex(rodataEnd)}`,
      Off.metaOffset,
    );
  }
  const tableEnd = f.metaOffset + f.metaCount * SECTION_ENTRY_SIZE;
  if (tableEnd > totalSize) {
    throw new ImageError(
      'section_out_of_bounds',
      `metadata table at ${hex(f.metaOffset)} with ${f.metaCount} entries of 16 bytes ends at ${hex(tableEnd)}, past the end of the ${totalSize}-byte image (check meta_offset/meta_count at 0x40/0x44)`,
      Off.metaOffset,
    );
  }
}

