/**
 * The binary manifest: what the signature covers. Encode for the builder;
 * decode with every check for the verifier (text fields, kinds, reserved
 * bytes, and the segment table's order, alignment and contiguity), each
 * failure naming the byte offset in the bundle file and the field.
 */
import { SEGMENT_KINDS, type BundleManifest, type BundleSegment } from './contract.js';
import {
  EntryOff,
  FORMAT_VERSION,
  HEADER_SIZE,
  MANIFEST_MAGIC,
  ManifestOff,
  SEGMENT_ENTRY_SIZE,
  alignUp,
  kindCode,
  kindOfCode,
  manifestSize,
} from './constants.js';
import { asciiOf, firstNonZero, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { BundleError } from './errors.js';
import { decodeText, encodeText } from './text.js';
import { fromHex, hex, toHex } from '../util/hex.js';

/** The manifest starts right after the header. */
export const MANIFEST_OFFSET = HEADER_SIZE;

export function encodeManifest(m: BundleManifest): Uint8Array {
  const out = new Uint8Array(manifestSize(m.segments.length));
  writeU32(out, ManifestOff.magic, MANIFEST_MAGIC);
  writeU16(out, ManifestOff.version, FORMAT_VERSION);
  writeU16(out, ManifestOff.segmentCount, m.segments.length);
  encodeText(out, ManifestOff.name, m.name);
  encodeText(out, ManifestOff.vendor, m.vendor);
  encodeText(out, ManifestOff.boardClass, m.boardClass);
  writeU32(out, ManifestOff.securityCounter, m.securityCounter);
  out.set(fromHex(m.contentSha256), ManifestOff.contentSha256);
  m.segments.forEach((s, i) => {
    const at = ManifestOff.segments + i * SEGMENT_ENTRY_SIZE;
    encodeText(out, at + EntryOff.name, s.name);
    out[at + EntryOff.kind] = kindCode(s.kind);
    writeU32(out, at + EntryOff.offset, s.offset);
    writeU32(out, at + EntryOff.size, s.size);
    out.set(fromHex(s.sha256), at + EntryOff.sha256);
  });
  return out;
}

/** Canonical order: kind (SEGMENT_KINDS order), then name (byte order). Negative when a comes first. */
export function compareSegments(a: { kind: BundleSegment['kind']; name: string }, b: { kind: BundleSegment['kind']; name: string }): number {
  const k = SEGMENT_KINDS.indexOf(a.kind) - SEGMENT_KINDS.indexOf(b.kind);
  if (k !== 0) return k;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Decode and check the manifest bytes (file offsets 64 ..). `segmentCount` and `payloadEnd` come from the checked header. */
export function decodeManifest(b: Uint8Array, segmentCount: number, payloadEnd: number): BundleManifest {
  const at = (o: number): number => MANIFEST_OFFSET + o;
  if (readU32(b, ManifestOff.magic) !== MANIFEST_MAGIC) {
    throw new BundleError(
      'bad_magic',
      `bad manifest magic at ${hex(at(0))}: expected "HXMF" (0x48584d46), found ${hex(readU32(b, 0), 8)} ("${asciiOf(b, 0, 4)}"): the header's manifest length or the manifest is damaged`,
      at(0),
    );
  }
  const version = readU16(b, ManifestOff.version);
  if (version !== FORMAT_VERSION) {
    throw new BundleError('unsupported_version', `manifest version at ${hex(at(ManifestOff.version))} is ${version}; this hilbridge reads version ${FORMAT_VERSION}`, at(ManifestOff.version));
  }
  const count = readU16(b, ManifestOff.segmentCount);
  if (count !== segmentCount) {
    throw new BundleError('bad_field', `manifest segment count at ${hex(at(ManifestOff.segmentCount))} is ${count}, the header says ${segmentCount}`, at(ManifestOff.segmentCount));
  }
  const name = decodeText(b, ManifestOff.name, MANIFEST_OFFSET, 'bundle name', false);
  const vendor = decodeText(b, ManifestOff.vendor, MANIFEST_OFFSET, 'vendor', true);
  const boardClass = decodeText(b, ManifestOff.boardClass, MANIFEST_OFFSET, 'board class', true);
  const securityCounter = readU32(b, ManifestOff.securityCounter);
  checkReserved(b, ManifestOff.reserved, ManifestOff.reserved + 4, 'manifest');
  const contentSha256 = toHex(b.subarray(ManifestOff.contentSha256, ManifestOff.contentSha256 + 32));
  const segments: BundleSegment[] = [];
  let expected = alignUp(HEADER_SIZE + b.length);
  for (let i = 0; i < count; i++) {
    const seg = decodeEntry(b, i);
    const prev = segments[i - 1];
    const entry = at(ManifestOff.segments + i * SEGMENT_ENTRY_SIZE);
    const same = segments.findIndex((o) => o.name === seg.name);
    if (same >= 0) {
      throw new BundleError('bad_segment_table', `segment ${i} (entry at ${hex(entry)}) has the name "${seg.name}" of segment ${same}: segment names are unique in a bundle`, entry);
    }
    if (prev && compareSegments(prev, seg) >= 0) {
      throw new BundleError(
        'bad_segment_table',
        `segment ${i} "${seg.name}" (${seg.kind}, entry at ${hex(entry)}) sorts before segment ${i - 1} "${prev.name}" (${prev.kind}): segments are unique and ordered by kind (${SEGMENT_KINDS.join(', ')}) then name`,
        entry,
      );
    }
    if (seg.offset !== expected) {
      throw new BundleError(
        'bad_segment_table',
        `segment ${i} "${seg.name}": offset field at ${hex(entry + EntryOff.offset)} is ${hex(seg.offset)}, expected ${hex(expected)} (segments are contiguous, each at the next multiple of 64)`,
        entry + EntryOff.offset,
      );
    }
    expected = alignUp(seg.offset + seg.size);
    segments.push(seg);
  }
  if (expected !== payloadEnd) {
    const last = at(ManifestOff.segments + (count - 1) * SEGMENT_ENTRY_SIZE);
    throw new BundleError(
      'bad_segment_table',
      `the last segment ends at ${hex(expected)} (rounded up to 64), but the header's payload end is ${hex(payloadEnd)}: the size field at ${hex(last + EntryOff.size)} or the header is wrong`,
      last + EntryOff.size,
    );
  }
  return { formatVersion: version, name, vendor, boardClass, securityCounter, segments, contentSha256 };
}

function decodeEntry(b: Uint8Array, i: number): BundleSegment {
  const rel = ManifestOff.segments + i * SEGMENT_ENTRY_SIZE;
  const entry = MANIFEST_OFFSET + rel;
  const name = decodeText(b, rel + EntryOff.name, MANIFEST_OFFSET, `segment ${i} name`, false);
  const code = b[rel + EntryOff.kind] ?? 0;
  const kind = kindOfCode(code);
  if (kind === undefined) {
    throw new BundleError(
      'bad_field',
      `segment ${i} "${name}": kind byte at ${hex(entry + EntryOff.kind)} is ${code}; kinds are ${SEGMENT_KINDS.map((k, n) => `${n + 1} ${k}`).join(', ')}`,
      entry + EntryOff.kind,
    );
  }
  checkReserved(b, rel + EntryOff.reserved, rel + EntryOff.offset, `segment ${i} "${name}"`);
  const offset = readU32(b, rel + EntryOff.offset);
  const size = readU32(b, rel + EntryOff.size);
  if (size === 0) {
    throw new BundleError('bad_field', `segment ${i} "${name}": size field at ${hex(entry + EntryOff.size)} is 0; a segment has at least one byte`, entry + EntryOff.size);
  }
  const sha256 = toHex(b.subarray(rel + EntryOff.sha256, rel + EntryOff.sha256 + 32));
  return { name, kind, offset, size, sha256 };
}

function checkReserved(b: Uint8Array, from: number, to: number, where: string): void {
  const i = firstNonZero(b, from, to);
  if (i >= 0) {
    throw new BundleError('reserved_not_zero', `${where}: reserved byte at ${hex(MANIFEST_OFFSET + i)} is ${hex(b[i] ?? 0, 2)}; reserved bytes must be zero`, MANIFEST_OFFSET + i);
  }
}
