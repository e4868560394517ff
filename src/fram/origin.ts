/**
 * Where the image in a slot came from, beyond the slot header's source byte:
 * the path the board's own loader read it from (a host preload directory, an
 * SD card). A committed record in the spare bytes of the slot header area
 * (the header record takes 86 of its 128 bytes), at slot + 0x58, 40 bytes:
 *
 *   commit u8 | SHA-256 prefix [8] of the image it describes | path [27] (UTF-8,
 *   zero-padded; a longer path keeps its last 26 bytes after a '~') | CRC-32
 *
 * It counts only while the slot header's SHA-256 starts with the prefix, so a
 * record left by an older image (the slot was since written by a transfer)
 * names nothing. The loader writes it before the commit: a cut between the
 * two leaves a record for an image that never became active, which counts
 * for nothing.
 */
import { fromHex, toHex } from '../util/hex.js';
import type { SlotLayout } from './layout.js';
import { type FramIo, readRecord, writeRecord } from './record.js';

export const ORIGIN_OFFSET = 0x58;
const PREFIX = 8;
export const ORIGIN_PATH_SIZE = 27;
const BODY = PREFIX + ORIGIN_PATH_SIZE;

/** The path as the record keeps it: at most 27 bytes, the end of a longer one. */
export function originPathField(path: string): string {
  const b = Buffer.from(path, 'utf8');
  if (b.length <= ORIGIN_PATH_SIZE) return path;
  let tail = b.subarray(b.length - (ORIGIN_PATH_SIZE - 1));
  while (tail.length > 0 && ((tail[0] ?? 0) & 0xc0) === 0x80) tail = tail.subarray(1); // never start inside a UTF-8 sequence
  return `~${tail.toString('utf8')}`;
}

export function writeSlotOrigin(io: FramIo, slot: SlotLayout, sha256: string, path: string): void {
  const body = new Uint8Array(BODY);
  body.set(fromHex(sha256).subarray(0, PREFIX), 0);
  body.set(Buffer.from(originPathField(path), 'utf8'), PREFIX);
  writeRecord(io, slot.headerOffset + ORIGIN_OFFSET, body);
}

/** The path recorded for the image with this SHA-256, or null (none, another image's, damaged). */
export function readSlotOrigin(io: Pick<FramIo, 'read'>, slot: SlotLayout, sha256: string): string | null {
  const r = readRecord(io, slot.headerOffset + ORIGIN_OFFSET, BODY);
  if (r.status !== 'valid' || toHex(r.body.subarray(0, PREFIX)) !== sha256.toLowerCase().slice(0, 2 * PREFIX)) return null;
  const field = r.body.subarray(PREFIX);
  const end = field.indexOf(0);
  const path = Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('utf8');
  return path === '' ? null : path;
}
