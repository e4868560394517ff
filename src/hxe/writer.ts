/**
 * The HXE writer: builds a version-2 image byte-identical in layout to what
 * the original HSX linker writes: 96-byte header, code, rodata, the metadata
 * section table (16 bytes per section) directly after rodata, then the
 * section payloads in table order without padding. Sections appear only when
 * non-empty, in the order .value, .cmd, .mailbox. With no sections,
 * meta_offset and meta_count are 0.
 */
import {
  APP_NAME_SIZE,
  HEADER_V2_SIZE,
  HXE_MAGIC,
  HXE_VERSION_2,
  HeaderFlag,
  Off,
  SECTION_ENTRY_SIZE,
  SectionType,
} from './constants.js';
import { computeCrc } from './parse.js';
import { validateHxeInput } from './writer-input.js';
import type { HxeInput } from './writer-input.js';
import { encodeCommandSection, encodeMailboxSection, encodeValueSection } from './writer-sections.js';

export type { HxeInput, HxeValueInput, HxeCommandInput, HxeMailboxInput, HxeMailboxBindingInput } from './writer-input.js';

interface Section {
  type: SectionType;
  payload: Uint8Array;
  entryCount: number;
}

/**
 * Build a v2 HXE image. Pure and deterministic: the same input always gives
 * the same bytes. Throws DescriptionError (naming the field) for an input
 * that would not make a valid image.
 */
export function writeHxe(input: HxeInput): Uint8Array {
  const v = validateHxeInput(input);
  const sections: Section[] = [];
  if (v.values.length > 0) sections.push({ type: SectionType.value, payload: encodeValueSection(v.values), entryCount: v.values.length });
  if (v.commands.length > 0) sections.push({ type: SectionType.cmd, payload: encodeCommandSection(v.commands), entryCount: v.commands.length });
  if (v.mailboxes.length > 0) {
    sections.push({ type: SectionType.mailbox, payload: encodeMailboxSection(v.mailboxes), entryCount: v.mailboxes.length });
  }

  const tableOffset = HEADER_V2_SIZE + v.code.length + v.rodata.length;
  const payloadsStart = tableOffset + sections.length * SECTION_ENTRY_SIZE;
  const size = payloadsStart + sections.reduce((n, s) => n + s.payload.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);

  view.setUint32(Off.magic, HXE_MAGIC);
  view.setUint16(Off.version, HXE_VERSION_2);
  view.setUint16(Off.flags, v.allowMultipleInstances ? HeaderFlag.allowMultipleInstances : 0);
  view.setUint32(Off.entry, v.entry);
  view.setUint32(Off.codeLen, v.code.length);
  view.setUint32(Off.roLen, v.rodata.length);
  view.setUint32(Off.bssSize, v.bssSize);
  view.setUint32(Off.reqCaps, v.reqCaps);
  // app_name: ASCII (checked), NUL-padded to APP_NAME_SIZE
  for (let i = 0; i < v.appName.length && i < APP_NAME_SIZE - 1; i++) out[Off.appName + i] = v.appName.charCodeAt(i);
  if (sections.length > 0) {
    view.setUint32(Off.metaOffset, tableOffset);
    view.setUint32(Off.metaCount, sections.length);
  }
  // reserved bytes stay zero

  out.set(v.code, HEADER_V2_SIZE);
  out.set(v.rodata, HEADER_V2_SIZE + v.code.length);
  let at = payloadsStart;
  sections.forEach((s, i) => {
    const e = tableOffset + i * SECTION_ENTRY_SIZE;
    view.setUint32(e, s.type);
    view.setUint32(e + 4, at);
    view.setUint32(e + 8, s.payload.length);
    view.setUint32(e + 12, s.entryCount);
    out.set(s.payload, at);
    at += s.payload.length;
  });

  view.setUint32(Off.crc32, computeCrc(out, HEADER_V2_SIZE));
  return out;
}
