/** Section string tables: offsets relative to the section start, 0 = no string, NUL-terminated UTF-8. */
import { hex } from '../util/hex.js';
import { ImageError } from './errors.js';

/** A section's bytes and where they sit in the file (for error offsets). */
export interface Section {
  readonly name: string;
  /** File offset of bytes[0]. */
  readonly offset: number;
  readonly bytes: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read the string at `off` (relative to the section start); null for 0.
 * `field` names the referencing field and `at` its file offset, for messages.
 */
export function readString(section: Section, off: number, field: string, at: number): string | null {
  if (off === 0) return null;
  const where = `${field} at ${hex(at)} in ${section.name} section at ${hex(section.offset)}`;
  if (off >= section.bytes.length) {
    throw new ImageError(
      'bad_string',
      `${where} points to string offset ${hex(off)}, past the section's ${section.bytes.length} bytes`,
      at,
    );
  }
  const nul = section.bytes.indexOf(0, off);
  if (nul < 0) {
    throw new ImageError(
      'bad_string',
      `${where}: string at file offset ${hex(section.offset + off)} has no terminating NUL before the section ends`,
      section.offset + off,
    );
  }
  try {
    return utf8.decode(section.bytes.subarray(off, nul));
  } catch (cause) {
    throw new ImageError(
      'bad_string',
      `${where}: string at file offset ${hex(section.offset + off)} is not valid UTF-8`,
      section.offset + off,
      { cause },
    );
  }
}

/** Throw truncated_section when `count` entries of `entrySize` bytes do not fit in the section. */
export function checkEntryTable(section: Section, count: number, entrySize: number, countAt: number): void {
  const need = count * entrySize;
  if (need > section.bytes.length) {
    throw new ImageError(
      'truncated_section',
      `${section.name} section at ${hex(section.offset)} declares ${count} entries of ${entrySize} bytes (${need} bytes) but is only ${section.bytes.length} bytes long (entry_count at ${hex(countAt)})`,
      countAt,
    );
  }
}
