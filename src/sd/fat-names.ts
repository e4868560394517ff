/**
 * FAT names: 8.3 short names (11 bytes, space padded) and long file names
 * (VFAT: UCS-2 in 13-character entries before the short entry, tied to it by
 * a checksum). Shared by the reader and the writer.
 */

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_LONG_NAME = 0x0f;

/** Characters of one long-name entry. */
export const LFN_CHARS = 13;
/** Byte positions of the 13 UCS-2 characters inside a long-name entry. */
export const LFN_POSITIONS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;
export const MAX_LFN_LENGTH = 255;

/** The checksum of an 11-byte short name that each of its long-name entries carries. */
export function shortNameChecksum(name11: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + (name11[i] ?? 0)) & 0xff;
  return sum;
}

/** The name a short entry shows: base, then "." and extension when there is one; NT lowercase bits applied. */
export function shortNameText(name11: Uint8Array, ntFlags: number): string {
  const first = name11[0] === 0x05 ? 0xe5 : (name11[0] ?? 0x20);
  const chars = (from: number, to: number): string => String.fromCharCode(...Array.from(name11.subarray(from, to), (c, i) => (from === 0 && i === 0 ? first : c))).trimEnd();
  let base = chars(0, 8);
  let ext = chars(8, 11);
  if (ntFlags & 0x08) base = base.toLowerCase();
  if (ntFlags & 0x10) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

const SHORT_OK = /^[A-Z0-9$%'\-_@~`!(){}^#&]+$/;

/** The 11 bytes of `name` as a short name when it is already a valid 8.3 name in upper case; else undefined. */
export function exactShortName(name: string): Uint8Array | undefined {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return undefined;
  if (!SHORT_OK.test(base) || (ext && !SHORT_OK.test(ext))) return undefined;
  return pad11(base, ext);
}

function pad11(base: string, ext: string): Uint8Array {
  const out = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < base.length; i++) out[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length; i++) out[8 + i] = ext.charCodeAt(i);
  return out;
}

/**
 * A short name for a long `name`, unique among `taken` (11-byte names as
 * latin1 strings): upper case, invalid characters as "_", the basis cut to
 * six characters plus "~N" (the lowest free N), the last extension cut to 3.
 */
export function generateShortName(name: string, taken: ReadonlySet<string>): Uint8Array {
  const clean = (s: string): string => s.toUpperCase().replace(/[. ]/g, '').replace(/[^A-Z0-9$%'\-_@~`!(){}^#&]/g, '_');
  const dot = name.lastIndexOf('.');
  const base = clean(dot <= 0 ? name : name.slice(0, dot)) || '_';
  const ext = dot <= 0 ? '' : clean(name.slice(dot + 1)).slice(0, 3);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const candidate = pad11(base.slice(0, 8 - tail.length) + tail, ext);
    if (!taken.has(latin1(candidate))) return candidate;
  }
  throw new Error('no free short name'); // a directory holds at most 65536 entries: unreachable
}

export function latin1(b: Uint8Array): string {
  return String.fromCharCode(...b);
}
