/**
 * The v2 metadata: the section table at meta_offset and the sections it
 * lists. Works on the retained metadata region (file bytes from the end of
 * rodata to the end of the file), so whole-file and streaming verification
 * run the same code.
 */
import { CMD_ENTRY_SIZE, SECTION_ENTRY_SIZE, SectionType, VALUE_ENTRY_SIZE } from './constants.js';
import { hex } from '../util/hex.js';
import { ImageError } from './errors.js';
import { readU32 } from './header.js';
import type { HxeCommand, HxeMailbox, HxeMetadata, HxeValue, MailboxForm } from './image.js';
import { parseMailboxes } from './mailbox.js';
import { parseCommands, parseValues } from './sections.js';
import { checkEntryTable, type Section } from './strings.js';

/** File bytes [base, base + bytes.length). */
export interface Region {
  readonly base: number;
  readonly bytes: Uint8Array;
}

export const NO_METADATA: HxeMetadata = { values: [], commands: [], mailboxes: [], mailboxForm: 'none' };

const SECTION_NAMES: Record<number, string> = {
  [SectionType.value]: '.value',
  [SectionType.cmd]: '.cmd',
  [SectionType.mailbox]: '.mailbox',
};

/**
 * Decode the section table and every known section, in table order. The
 * table itself was placed-checked with the header. `totalSize` is the file size.
 */
export function parseMetadata(region: Region, metaOffset: number, metaCount: number, totalSize: number): HxeMetadata {
  const values: HxeValue[] = [];
  const commands: HxeCommand[] = [];
  const mailboxes: HxeMailbox[] = [];
  let mailboxForm: MailboxForm = 'none';
  const ids = new Map<number, string>();
  const claim = (group: number, id: number, what: string, at: number): void => {
    const key = (group << 8) | id;
    const prior = ids.get(key);
    if (prior !== undefined) {
      throw new ImageError(
        'duplicate_id',
        `${what} (group ${group}, id ${id}) at ${hex(at)} reuses the (group, id) of ${prior}: values and commands share one namespace`,
        at,
      );
    }
    ids.set(key, `${what} at ${hex(at)}`);
  };
  const targets = new Set<string>();

  for (let i = 0; i < metaCount; i++) {
    const entryAt = metaOffset + i * SECTION_ENTRY_SIZE;
    const e = entryAt - region.base;
    const type = readU32(region.bytes, e);
    const offset = readU32(region.bytes, e + 4);
    const size = readU32(region.bytes, e + 8);
    const count = readU32(region.bytes, e + 12);
    const name = SECTION_NAMES[type] ?? `type ${type}`;
    if (offset < region.base || offset + size > totalSize) {
      const why = offset < region.base ? `starts inside the header, code or rodata (which end at ${hex(region.base)})` : `ends at ${hex(offset + size)}, past the end of the ${totalSize}-byte image`;
      throw new ImageError(
        'section_out_of_bounds',
        `${name} section (table entry ${i} at ${hex(entryAt)}) at ${hex(offset)} with ${size} bytes ${why}`,
        entryAt + 4,
      );
    }
    const section: Section = { name, offset, bytes: region.bytes.subarray(offset - region.base, offset - region.base + size) };
    const countAt = entryAt + 12;
    switch (type) {
      case SectionType.value: {
        checkEntryTable(section, count, VALUE_ENTRY_SIZE, countAt);
        parseValues(section, count).forEach((v, j) => {
          claim(v.groupId, v.valueId, `value ${v.name ?? '(unnamed)'}`, offset + j * VALUE_ENTRY_SIZE);
          values.push(v);
        });
        break;
      }
      case SectionType.cmd: {
        checkEntryTable(section, count, CMD_ENTRY_SIZE, countAt);
        parseCommands(section, count).forEach((c, j) => {
          claim(c.groupId, c.cmdId, `command ${c.name ?? '(unnamed)'}`, offset + j * CMD_ENTRY_SIZE);
          commands.push(c);
        });
        break;
      }
      case SectionType.mailbox: {
        const parsed = parseMailboxes(section, count, countAt);
        for (const mb of parsed.mailboxes) {
          if (targets.has(mb.target)) {
            throw new ImageError('duplicate_mailbox', `mailbox target "${mb.target}" in ${name} section at ${hex(offset)} is declared twice`, offset);
          }
          targets.add(mb.target);
          mailboxes.push(mb);
        }
        mailboxForm = mailboxForm === 'none' ? parsed.form : mailboxForm;
        break;
      }
      default:
        break; // unknown section types are ignored, as the reference loader does
    }
  }
  return { values, commands, mailboxes, mailboxForm };
}
