/**
 * Directory entries: the 32-byte records of a directory's bytes, with long
 * file names assembled and checked (sequence numbers, checksum against the
 * short entry; a broken long name is dropped and the short name shown, as
 * the specification says). Pure: the bytes in, the entries out.
 */
import { SdError, at } from './errors.js';
import { ATTR_DIRECTORY, ATTR_LONG_NAME, ATTR_VOLUME_ID, LFN_CHARS, LFN_POSITIONS, latin1, shortNameChecksum, shortNameText } from './fat-names.js';
import { le16, le32 } from './source.js';

export interface FatDirEntry {
  /** The long name when there is a valid one, else the short name. */
  readonly name: string;
  /** The 8.3 name as shown (e.g. "MOTOR_~1.HXE"). */
  readonly shortName: string;
  /** The 11 raw bytes of the short name (as latin1). */
  readonly shortRaw: string;
  readonly isDirectory: boolean;
  readonly attributes: number;
  readonly size: number;
  readonly firstCluster: number;
  /** Byte offset of the short entry in the image. */
  readonly entryOffset: number;
}

/**
 * Parse directory bytes. `offsetOf(i)` is the image offset of the 32-byte
 * record i (a directory's clusters need not be contiguous). "." and ".."
 * and the volume label are left out; deleted entries are skipped.
 */
export function parseDirectory(bytes: Uint8Array, offsetOf: (i: number) => number, fat32: boolean, imageName: string): FatDirEntry[] {
  const out: FatDirEntry[] = [];
  let lfn: { parts: string[]; checksum: number; expect: number } | undefined;
  const count = Math.floor(bytes.length / 32);
  for (let i = 0; i < count; i++) {
    const e = bytes.subarray(i * 32, i * 32 + 32);
    const first = e[0] ?? 0;
    if (first === 0x00) break;
    if (first === 0xe5) {
      lfn = undefined;
      continue;
    }
    const attr = e[11] ?? 0;
    if ((attr & 0x3f) === ATTR_LONG_NAME) {
      const ord = first & 0x3f;
      if (first & 0x40) {
        lfn = ord >= 1 && ord <= 20 ? { parts: new Array<string>(ord).fill(''), checksum: e[13] ?? 0, expect: ord } : undefined;
      } else if (lfn === undefined || ord !== lfn.expect || (e[13] ?? 0) !== lfn.checksum) {
        lfn = undefined;
        continue;
      }
      if (lfn === undefined) continue;
      let part = '';
      for (const p of LFN_POSITIONS) {
        const c = le16(e, p);
        if (c === 0x0000 || c === 0xffff) break;
        part += String.fromCharCode(c);
      }
      lfn.parts[ord - 1] = part;
      lfn.expect = ord - 1;
      continue;
    }
    const raw = e.subarray(0, 11);
    const pending = lfn;
    lfn = undefined;
    if (attr & ATTR_VOLUME_ID) continue;
    const short = shortNameText(raw, e[12] ?? 0);
    if (short === '.' || short === '..') continue;
    const long = pending !== undefined && pending.expect === 0 && pending.checksum === shortNameChecksum(raw) ? pending.parts.join('') : undefined;
    const hi = fat32 ? le16(e, 20) : 0;
    const entryOffset = offsetOf(i);
    const name = long ?? short;
    if (name === '' || name.length > 255 || [...name].some((c) => c.charCodeAt(0) < 0x20 || c === '/' || c === '\\')) {
      throw new SdError('sd_fat_directory', `FAT image ${imageName}: directory entry at ${at(entryOffset)} has an invalid name ${JSON.stringify(name)}: the directory is damaged (fsck.fat)`, { offset: entryOffset });
    }
    out.push({
      name,
      shortName: short,
      shortRaw: latin1(raw),
      isDirectory: (attr & ATTR_DIRECTORY) !== 0,
      attributes: attr,
      size: le32(e, 28),
      firstCluster: ((hi << 16) | le16(e, 26)) >>> 0,
      entryOffset,
    });
  }
  return out;
}

/** Case-insensitive name comparison, as FAT does (long or short name). */
export function sameName(entry: FatDirEntry, name: string): boolean {
  const n = name.toUpperCase();
  return entry.name.toUpperCase() === n || entry.shortName.toUpperCase() === n;
}

/** How many long-name entries a name needs. */
export function lfnEntryCount(name: string): number {
  return Math.ceil(name.length / LFN_CHARS);
}
