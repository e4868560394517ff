/** .value and .cmd sections: fixed-size entries followed by the section's string table. */
import { CMD_ENTRY_SIZE, VALUE_ENTRY_SIZE } from './constants.js';
import { f16ToNumber } from './f16.js';
import { readU16, readU32 } from './header.js';
import type { HxeCommand, HxeValue } from './image.js';
import { readString, type Section } from './strings.js';

/** Decode `count` 20-byte value entries (the caller checked the table fits). */
export function parseValues(section: Section, count: number): HxeValue[] {
  const b = section.bytes;
  const out: HxeValue[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * VALUE_ENTRY_SIZE;
    const at = section.offset + o;
    const initRaw = readU16(b, o + 4);
    out.push({
      groupId: b[o] ?? 0,
      valueId: b[o + 1] ?? 0,
      flags: b[o + 2] ?? 0,
      authLevel: b[o + 3] ?? 0,
      initRaw,
      init: f16ToNumber(initRaw),
      name: readString(section, readU16(b, o + 6), 'value name_off', at + 6),
      unit: readString(section, readU16(b, o + 8), 'value unit_off', at + 8),
      epsilonRaw: readU16(b, o + 10),
      minRaw: readU16(b, o + 12),
      maxRaw: readU16(b, o + 14),
      persistKey: readU16(b, o + 16),
      groupName: readString(section, readU16(b, o + 18), 'value group_name_off', at + 18),
    });
  }
  return out;
}

/** Decode `count` 16-byte command entries (the caller checked the table fits). */
export function parseCommands(section: Section, count: number): HxeCommand[] {
  const b = section.bytes;
  const out: HxeCommand[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * CMD_ENTRY_SIZE;
    const at = section.offset + o;
    out.push({
      groupId: b[o] ?? 0,
      cmdId: b[o + 1] ?? 0,
      flags: b[o + 2] ?? 0,
      authLevel: b[o + 3] ?? 0,
      handlerOffset: readU32(b, o + 4),
      name: readString(section, readU16(b, o + 8), 'command name_off', at + 8),
      help: readString(section, readU16(b, o + 10), 'command help_off', at + 10),
      groupName: readString(section, readU32(b, o + 12) & 0xffff, 'command group_name_off', at + 12),
    });
  }
  return out;
}
